import { Center, Loader } from '@mantine/core';
import { ErrorAlert } from './ErrorAlert.tsx';

/** A query's loading spinner or its error, shown where its data will be; nothing once the data is there. */
export function QueryStatus({ query, errorTitle }: { query: { isPending: boolean; isError: boolean; error: unknown }; errorTitle: string }) {
  if (query.isError) return <ErrorAlert error={query.error} title={errorTitle} />;
  if (query.isPending)
    return (
      <Center p="lg">
        <Loader />
      </Center>
    );
  return null;
}
