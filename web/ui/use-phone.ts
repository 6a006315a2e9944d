import { useMediaQuery } from '@mantine/hooks';

/** Below Mantine's sm breakpoint: lists become cards instead of tables. */
export const PHONE_QUERY = '(max-width: 47.99em)';

/** Whether the screen is a phone's; read synchronously so the first render already picks cards or a table. */
export function usePhone(): boolean {
  return useMediaQuery(PHONE_QUERY, window.matchMedia(PHONE_QUERY).matches, { getInitialValueInEffect: false });
}
