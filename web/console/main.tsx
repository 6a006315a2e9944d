import '@mantine/core/styles.css';
import '@mantine/notifications/styles.css';
import './console.css';
import { createTheme, MantineProvider } from '@mantine/core';
import { Notifications, notifications } from '@mantine/notifications';
import { MutationCache, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { BrowserRouter } from 'react-router';
import { ApiError, errorMessage } from './api-client.ts';
import { ConsoleRoutes } from './ConsoleRoutes.tsx';

const theme = createTheme({
  primaryColor: 'indigo',
  defaultRadius: 'md',
  // A focus ring whenever the keyboard moves focus, never hidden.
  focusRing: 'auto',
  fontFamily: 'Inter, system-ui, -apple-system, "Segoe UI", Roboto, sans-serif',
  headings: { fontFamily: 'Inter, system-ui, -apple-system, "Segoe UI", Roboto, sans-serif' },
});

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      // 401/403/404 will not change by asking again; a network blip might.
      retry: (count, error) => !(error instanceof ApiError && error.status >= 400 && error.status < 500) && count < 2,
      refetchOnWindowFocus: false,
      staleTime: 15_000,
    },
  },
  mutationCache: new MutationCache({
    // Every failed change is reported once; forms also show the field errors next to the inputs.
    onError: (error, _variables, _result, mutation) => {
      if (error instanceof ApiError && error.status === 401) return;
      // A page that lays out every error itself (the import's row table can hold thousands) says so in meta.
      if (mutation.meta?.showsItsErrors === true) return;
      // Field errors are next to the inputs too; the notification lists them in words.
      const details = error instanceof ApiError ? error.details : [];
      const message =
        details.length > 0 ? details.map((d) => `${d.path.replace(/^(body|querystring|params)\./, '')}: ${d.message}`).join('\n') : errorMessage(error);
      notifications.show({
        color: 'red',
        title: details.length > 0 ? 'Check the highlighted fields' : 'Could not save',
        message,
        style: { whiteSpace: 'pre-line' },
      });
    },
  }),
});

const root = document.getElementById('root');
if (!root) throw new Error('The page has no #root element');

createRoot(root).render(
  <StrictMode>
    <MantineProvider theme={theme} defaultColorScheme="light">
      <Notifications position="top-right" />
      <QueryClientProvider client={queryClient}>
        <BrowserRouter>
          <ConsoleRoutes />
        </BrowserRouter>
      </QueryClientProvider>
    </MantineProvider>
  </StrictMode>,
);
