// Notification settings shared by the API and the console (web/ imports this file: keep it free of server code).
import { z } from 'zod';

/** The signed-in member's own notices: the daily digest and the calendar feed. */
export const notificationSettingsSchema = z
  .object({
    digestEmail: z.boolean().describe('The daily digest email of your due and overdue moments'),
    calendar: z.object({ active: z.boolean().describe('You have a calendar feed address'), createdAt: z.string().nullable() }),
  })
  .meta({ id: 'NotificationSettings' });
export type NotificationSettings = z.infer<typeof notificationSettingsSchema>;
