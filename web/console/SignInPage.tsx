import { Alert, Button, Center, Paper, PasswordInput, Stack, Text, TextInput, Title } from '@mantine/core';
import { useDocumentTitle } from '@mantine/hooks';
import { IconClock } from '@tabler/icons-react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { useLocation, useNavigate } from 'react-router';
import type { SignInResult } from '../../src/modules/members/members.schema.ts';
import { ApiError, api, fieldErrors } from './api-client.ts';
import { meKey } from './use-me.ts';

interface SignInState {
  message?: string;
  from?: string;
}

export function SignInPage() {
  const location = useLocation();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  useDocumentTitle('Sign in · Momentum');
  const state = (location.state ?? {}) as SignInState;
  const expired = /session has expired/i.test(state.message ?? '');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');

  const signIn = useMutation({
    mutationFn: () => api.post<SignInResult>('/auth/sign-in', { email, password }, { ignoreUnauthenticated: true }),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: meKey });
      const from = state.from && state.from !== '/sign-in' ? state.from : '/home';
      navigate(from, { replace: true });
    },
  });

  const errors = fieldErrors(signIn.error);
  // A wrong password is a 401 with no field; say it above the form rather than next to one input.
  const formError = signIn.error instanceof ApiError && Object.keys(errors).length === 0 ? signIn.error.message : undefined;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    signIn.mutate();
  };

  return (
    <Center mih="100vh" bg="gray.0" p="md">
      <Paper withBorder shadow="sm" p="xl" w="100%" maw={420} component="main">
        <Stack gap="lg">
          <Stack gap={4}>
            <Text fw={800} size="lg" c="indigo.7">
              Momentum
            </Text>
            <Title order={1} size="h2">
              Sign in
            </Title>
            <Text c="dimmed" size="sm">
              Use the email and password your workspace admin gave you.
            </Text>
          </Stack>
          {expired && (
            <Alert color="yellow" variant="light" icon={<IconClock aria-hidden />} title="Your session has expired" role="status">
              Sign in again to continue where you left off.
            </Alert>
          )}
          {formError && (
            <Alert color="red" variant="light" role="alert" title="Sign-in failed">
              {formError}
            </Alert>
          )}
          <form onSubmit={submit} noValidate>
            <Stack gap="md">
              <TextInput
                label="Email"
                type="email"
                autoComplete="username"
                required
                value={email}
                onChange={(e) => setEmail(e.currentTarget.value)}
                error={errors.email}
                data-autofocus
              />
              <PasswordInput
                label="Password"
                autoComplete="current-password"
                required
                value={password}
                onChange={(e) => setPassword(e.currentTarget.value)}
                error={errors.password}
              />
              <Button type="submit" loading={signIn.isPending} fullWidth>
                Sign in
              </Button>
            </Stack>
          </form>
        </Stack>
      </Paper>
    </Center>
  );
}
