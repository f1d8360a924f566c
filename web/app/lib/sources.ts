/** How long a rotated-out webhook secret keeps verifying: the EHR's window to switch. */
export const OVERLAP_CHOICES = [
  { minutes: 15, label: '15 minutes' },
  { minutes: 60, label: '1 hour' },
  { minutes: 24 * 60, label: '1 day' },
  { minutes: 7 * 24 * 60, label: '7 days' },
] as const;
