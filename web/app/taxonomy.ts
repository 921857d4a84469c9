/**
 * Ids the app offers in its forms and translates: the server's purpose taxonomy, channels and
 * organisation kinds (test/web/catalogue.test.ts holds these to src/domain).
 */
export const PURPOSE_IDS = [
  'marketing',
  'direct-marketing',
  'advertising',
  'personalised-advertising',
  'targeted-advertising',
  'political-campaign',
  'sale-of-data',
  'profiling',
  'service-provision',
  'account-management',
  'research',
  'legal-obligation',
] as const;

export const CHANNELS = ['post', 'email', 'sms', 'phone', 'none'] as const;

/** Columns that identify a person rather than being sent. */
export const IDENTIFIER_COLUMNS: ReadonlySet<string> = new Set(['email', 'dob']);
