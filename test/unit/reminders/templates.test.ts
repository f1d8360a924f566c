import fc from 'fast-check';
import { instantToZonedParts } from '../../../shared/sla/zoned-time';
import {
  REMINDER_LINK_MAX,
  SMS_OPT_OUT_LINE,
  ZReminderLanguage,
  ZReminderTemplateId,
  renderReminder,
  reminderLanguage,
  type RenderReminderInput,
} from '../../../shared/reminders/templates';
import { clinicalWord, containsDenyStem, nonGsm7Characters } from './support';

const TEMPLATE_IDS = ZReminderTemplateId.options;
const LANGUAGES = ZReminderLanguage.options;
const LINK_60 = 'https://reminders.sidecar.example.org/r/01J9ZQ3V6W8X9Y0A1B2C';

function input(overrides: Partial<RenderReminderInput> = {}): RenderReminderInput {
  return {
    templateId: 'appointment-reminder',
    language: 'en',
    firstName: 'Ann',
    organization: 'Acme Health',
    at: '2026-09-30T13:05:00Z',
    timeZone: 'America/New_York',
    link: 'https://sidecar.example.org/r/abc123',
    ...overrides,
  };
}

/** Every '<' in the HTML must open one of the template's own tags. */
function strayAngleBrackets(html: string): string[] {
  return html.split('<').slice(1).filter((rest) => !/^(?:!DOCTYPE html>|\/?(?:html|head|meta|title|body|p|a)[\s>])/.test(rest));
}

describe('reminderLanguage', () => {
  it.each([
    ['es', 'es'],
    ['es-MX', 'es'],
    ['es-US', 'es'],
    ['ES_us', 'es'],
    ['en', 'en'],
    ['en-US', 'en'],
    ['fr-CA', 'en'],
    ['est', 'en'],
    ['', 'en'],
    [undefined, 'en'],
  ])('%s → %s', (tag, language) => {
    expect(reminderLanguage(tag)).toBe(language);
  });
});

describe('renderReminder', () => {
  it('renders an English appointment SMS with the local date and time, link and opt-out line', () => {
    const { sms, email } = renderReminder(input());

    expect(sms).toBe('Acme Health: Hi Ann, your appointment is Wed, Sep 30, 9:05 AM. https://sidecar.example.org/r/abc123 Reply STOP to opt out');
    expect(email.subject).toBe('Appointment reminder from Acme Health');
    expect(email.text).toContain('Hi Ann,');
    expect(email.text).toContain('Wednesday, September 30, 2026 at 9:05 AM EDT');
    expect(email.text).toContain('https://sidecar.example.org/r/abc123');
    expect(email.html).toContain('<a href="https://sidecar.example.org/r/abc123">View the details</a>');
  });

  it('renders Spanish in GSM-7 only: á and other accents outside the alphabet are dropped, é and ñ kept', () => {
    const { sms, email } = renderReminder(input({ language: 'es', firstName: 'María Begoña', organization: 'Clínica del Sol', at: '2026-09-26T17:30:00Z' }));

    expect(sms).toBe('Clinica del Sol: Hola Maria Begoña, su cita es el sab 26 sept, 13:30. https://sidecar.example.org/r/abc123 Responda STOP para darse de baja');
    expect(nonGsm7Characters(sms)).toEqual([]);
    // The email is Unicode: names and dates keep their accents.
    expect(email.text).toContain('Hola María Begoña:');
    expect(email.text).toContain('sábado, 26 de septiembre de 2026, 13:30 EDT');
    expect(email.html).toContain('lang="es"');
  });

  it('shows the time in the patient\'s zone, with the offset in force on that date', () => {
    const at = '2026-11-01T17:00:00Z'; // New York has just fallen back to EST.
    expect(renderReminder(input({ at })).sms).toContain('Sun, Nov 1, 12:00 PM');
    expect(renderReminder(input({ at, timeZone: 'America/Los_Angeles' })).sms).toContain('Sun, Nov 1, 9:00 AM');
    expect(renderReminder(input({ at, timeZone: 'Asia/Kolkata' })).sms).toContain('Sun, Nov 1, 10:30 PM');
    expect(renderReminder(input({ at: '2026-07-01T17:00:00Z' })).sms).toContain('Wed, Jul 1, 1:00 PM');
  });

  it('cuts a long first name to 20 characters and a long organization to 30, without an ellipsis', () => {
    const { sms } = renderReminder(input({ firstName: 'Bartholomew-Maximilian Alexander', organization: 'Springfield Regional Community Health Partners', link: 'https://x.example/r/1' }));

    expect(sms).toBe('Springfield Regional Community: Hi Bartholomew-Maximili, your appointment is Wed, Sep 30, 9:05 AM. https://x.example/r/1 Reply STOP to opt out');
    expect(sms).not.toMatch(/…|\.\.\./);
  });

  it.each(TEMPLATE_IDS.flatMap((templateId) => LANGUAGES.map((language) => [templateId, language] as const)))(
    'keeps date, link and opt-out line whole when the longest link forces %s (%s) names shorter',
    (templateId, language) => {
      const { sms } = renderReminder(
        input({ templateId, language, firstName: 'Wolfgangamadeus Theophilus', organization: 'Northwestern Interdisciplinary Partners Group', link: LINK_60, at: '2026-09-30T16:45:00Z' }),
      );

      expect(LINK_60).toHaveLength(REMINDER_LINK_MAX);
      expect(sms.length).toBeLessThanOrEqual(160);
      expect(sms).toContain(` ${LINK_60} `);
      expect(sms).toContain(language === 'en' ? 'Wed, Sep 30, 12:45 PM' : 'mié 30 sept, 12:45');
      expect(sms.endsWith(SMS_OPT_OUT_LINE[language])).toBe(true);
      // The sender stays recognisable (at least 12 characters) and the name keeps a usable prefix.
      const [sender = '', rest = ''] = sms.split(': ');
      expect(sender.length).toBeGreaterThanOrEqual(12);
      expect('Northwestern Interdisciplinary'.startsWith(sender)).toBe(true);
      expect(rest).toMatch(/^(?:Hi|Hola) Wolfgan/);
    },
  );

  it('transliterates or drops characters an SMS cannot carry, and greets without a name when none is left', () => {
    expect(renderReminder(input({ firstName: 'Zoë 😀 Łucja', organization: 'Café “Zürich”' })).sms).toMatch(/^Café "Zürich": Hi Zoe Lucja, /);
    const unnamed = renderReminder(input({ firstName: '李明 🙂', organization: '🏥 Acme' }));
    expect(unnamed.sms).toMatch(/^Acme: Hi, your appointment/);
    expect(unnamed.email.text).toMatch(/^Hi 李明 🙂,/);
    expect(renderReminder(input({ firstName: '   ', organization: '北京 ' })).sms).toMatch(/^Hi, your appointment/);
  });

  it('escapes every interpolated value in the HTML email', () => {
    const { email } = renderReminder(
      input({ firstName: '<img src=x onerror=alert(1)>', organization: 'Tom & Jerry\'s "Care"', link: 'https://x.example/r/1?a=1&b=<2>' }),
    );

    expect(email.html).not.toContain('<img');
    expect(email.html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(email.html).toContain('Tom &amp; Jerry&#39;s &quot;Care&quot;');
    expect(email.html).toContain('href="https://x.example/r/1?a=1&amp;b=&lt;2&gt;"');
    expect(strayAngleBrackets(email.html)).toEqual([]);
    // Plain text and subject are not HTML: shown as written, on one line.
    expect(email.subject).toBe('Appointment reminder from Tom & Jerry\'s "Care"');
  });

  it('keeps the subject on one line whatever the organization contains', () => {
    expect(renderReminder(input({ organization: 'Acme\r\nBcc: x@example.com\u0000' })).email.subject).toBe('Appointment reminder from Acme Bcc: x@example.com');
  });

  it.each([
    ['a plain http link', { link: 'http://sidecar.example.org/r/1' }],
    ['a plain http link to a host that only starts like loopback', { link: 'http://127.0.0.1.example.org/r/1' }],
    ['a javascript link', { link: 'javascript:alert(1)' }],
    ['a link longer than 60 characters', { link: `${LINK_60}X` }],
    ['a link with characters outside GSM-7', { link: 'https://sidecar.example.org/r/é~1' }],
    ['an unknown time zone', { timeZone: 'Mars/Olympus_Mons' }],
    ['a local time without offset', { at: '2026-09-30T09:05:00' }],
    ['an empty organization', { organization: '  ' }],
    ['an unknown template', { templateId: 'lab-results' as never }],
    ['an unknown language', { language: 'fr' as never }],
  ])('rejects %s', (_, overrides) => {
    expect(() => renderReminder(input(overrides))).toThrow();
  });

  it('has no clinical word in any template text, in either language', () => {
    for (const templateId of TEMPLATE_IDS) {
      for (const language of LANGUAGES) {
        const { sms, email } = renderReminder(input({ templateId, language, firstName: 'Ann', organization: 'Acme' }));
        for (const text of [sms, email.subject, email.text, email.html]) expect(clinicalWord(text)).toBeUndefined();
      }
    }
  });

  it('the deny-list itself catches clinical words (so the test above can fail)', () => {
    expect(clinicalWord('Your cardiology visit')).toBe('cardiology');
    expect(clinicalWord('su cita de CARDIOLOGÍA')).toBe('cardiologia');
    expect(clinicalWord('Your lab results are ready')).toBe('lab');
    expect(clinicalWord('Take your medication')).toBe('medication');
    expect(clinicalWord('latest contest')).toBeUndefined();
  });
});

describe('renderReminder, properties', () => {
  const zones = fc.constantFrom(
    'America/New_York', 'America/Los_Angeles', 'America/Phoenix', 'America/St_Johns', 'Pacific/Honolulu',
    'Europe/London', 'Europe/Madrid', 'Australia/Lord_Howe', 'Pacific/Chatham', 'Asia/Kolkata', 'America/Santiago', 'UTC',
  );
  const emoji = fc.constantFrom('😀', '👩‍⚕️', '🇲🇽', '❤️', '🏥', '👨‍👩‍👧‍👦');
  const anyText = (maxLength: number) =>
    fc
      .oneof(
        fc.string({ unit: 'grapheme', maxLength }),
        fc.string({ unit: 'binary', maxLength }),
        fc.array(fc.oneof(fc.string({ unit: 'grapheme-ascii', maxLength: 12 }), emoji, fc.constantFrom('María', 'Ñandú', 'Zoë', '<b>', '&amp;', '"', "'", '李', '\n')), { maxLength: 30 }).map((parts) => parts.join(' ')),
      )
      .filter((text) => text.length <= 200 && !containsDenyStem(text));
  const firstNames = anyText(200);
  const organizations = anyText(200).filter((text) => text.trim().length > 0);
  const tokenCharacters = fc.constantFrom(...'abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ0123456789-_'.split(''));
  const links = fc.oneof(
    fc.constant(LINK_60),
    fc
      .tuple(fc.constantFrom('x.io', 'sidecar.example.org', 'reminders.portal.example.com'), fc.string({ unit: tokenCharacters, minLength: 1, maxLength: 40 }), fc.boolean())
      .map(([host, token, query]) => (query ? `https://${host}/r?t=${token}&l=1` : `https://${host}/r/${token}`).slice(0, REMINDER_LINK_MAX))
      .filter((link) => !containsDenyStem(link.replace(/^https:\/\//, ''))),
  );
  const instants = fc.date({ min: new Date('2024-01-01T00:00:00Z'), max: new Date('2030-12-31T23:59:59Z'), noInvalidDate: true });

  it('every template in every language fits one GSM-7 segment, ends with the opt-out line and carries nothing clinical', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...TEMPLATE_IDS),
        fc.constantFrom(...LANGUAGES),
        firstNames,
        organizations,
        instants,
        zones,
        links,
        (templateId, language, firstName, organization, at, timeZone, link) => {
          const { sms, email } = renderReminder({ templateId, language, firstName, organization, at: at.toISOString(), timeZone, link });

          expect(sms.length).toBeLessThanOrEqual(160);
          expect(nonGsm7Characters(sms)).toEqual([]);
          expect(sms.endsWith(` ${SMS_OPT_OUT_LINE[language]}`)).toBe(true);
          expect(sms).toContain(` ${link} `);
          const local = instantToZonedParts(at, timeZone);
          const minute = String(local.minute).padStart(2, '0');
          const time = language === 'en' ? `${local.hour % 12 || 12}:${minute} ${local.hour < 12 ? 'AM' : 'PM'}` : `${String(local.hour).padStart(2, '0')}:${minute}`;
          expect(sms).toMatch(new RegExp(`\\b${local.day}\\b`));
          expect(sms).toContain(time);
          for (const text of [sms, email.subject, email.text, email.html]) expect(clinicalWord(text)).toBeUndefined();
          expect(strayAngleBrackets(email.html)).toEqual([]);
        },
      ),
      { numRuns: 600 },
    );
  });
});
