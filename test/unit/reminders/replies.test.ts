import fc from 'fast-check';
import { HELP_REPLY, OPT_OUT_CONFIRMATION, classifyReply } from '../../../shared/reminders/replies';
import { clinicalWord, nonGsm7Characters } from './support';

describe('classifyReply', () => {
  it.each([
    // Carrier keywords as the whole message, any case, spacing and surrounding punctuation.
    'STOP',
    'stop',
    '  Stop.  ',
    'STOP!!! 🛑',
    'STOPALL',
    'stop all',
    'Unsubscribe',
    'CANCEL',
    'end',
    'Quit!',
    'REVOKE',
    'OPT OUT',
    'opt-out',
    'OptOut',
    '"STOP"',
    'BAJA',
    'Baja.',
    // Polite variants of the unambiguous keywords.
    'STOP please',
    'Please stop',
    'ok stop, thanks',
    // Plain language, English.
    'please stop texting me',
    'Stop sending me messages',
    "don't text me anymore",
    'Don’t text me',
    'Do not contact me again',
    'remove me from this list',
    'Please take me off your list',
    'I want to unsubscribe',
    'how do I opt out?',
    'no more texts please',
    "I don't want these texts",
    'I no longer want to receive messages',
    'Please stop the reminders',
    // Plain language, Spanish.
    'no me envíen más mensajes',
    'Por favor no me manden mensajes',
    'ya no quiero mensajes',
    'No quiero recibir más recordatorios',
    'quiero darme de baja',
    'dejen de enviarme mensajes',
    'No más mensajes por favor',
    'Sáquenme de su lista',
  ])('%j is an opt-out', (text) => {
    expect(classifyReply(text)).toBe('opt-out');
  });

  it.each([
    "I can't stop by tomorrow",
    'will the appointment end soon?',
    'What time does it end?',
    'Can I cancel my appointment?',
    "Please don't cancel my appointment",
    'I need to stop at the pharmacy first',
    'Stop by the front desk when I arrive?',
    "The bus doesn't stop near your office",
    "I'll quit my job soon",
    "Don't stop the reminders, they help me",
    'Can you text me the address?',
    'Thanks, see you then',
    'Yes',
    'Is parking free? Help',
    'Mi presión está baja',
    'No puedo ir mañana, ¿podemos cambiar la cita?',
    '¿A qué hora termina la cita?',
    'No me llamen, prefiero mensajes',
    '🛑',
    '',
  ])('%j is not an opt-out', (text) => {
    expect(classifyReply(text)).not.toBe('opt-out');
  });

  it.each(['HELP', 'help?', ' Help! ', 'AYUDA', 'info', 'INFO.', 'help please'])('%j asks for help', (text) => {
    expect(classifyReply(text)).toBe('help');
  });

  it.each(['START', 'start', 'Unstop.', ' UNSTOP '])('%j opts back in', (text) => {
    expect(classifyReply(text)).toBe('opt-in');
  });

  it.each(['YES', 'Y', 'subscribe', 'start texting me again please', 'I need help with my appointment', 'See you Tuesday!'])('%j is something else', (text) => {
    expect(classifyReply(text)).toBe('other');
  });

  it('handles any input, however long or strange, in bounded time', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 2000 }), (text) => {
        expect(['opt-out', 'help', 'opt-in', 'other']).toContain(classifyReply(text));
      }),
      { numRuns: 200 },
    );
    const started = Date.now();
    classifyReply(`${'stop '.repeat(2000)}x`);
    classifyReply(`remove me from ${'the '.repeat(5000)}`);
    expect(Date.now() - started).toBeLessThan(1000);
  });
});

describe.each(['en', 'es'] as const)('replies in %s', (language) => {
  const organization = 'Springfield Regional Community Health Partners';

  it('HELP_REPLY names the sender, explains opting out and fits one GSM-7 segment without clinical words', () => {
    for (const org of [organization, 'Café Ñandú 😀', '李']) {
      const reply = HELP_REPLY(language, org);
      expect(reply.length).toBeLessThanOrEqual(160);
      expect(nonGsm7Characters(reply)).toEqual([]);
      expect(reply).toMatch(/\bSTOP\b/);
      expect(clinicalWord(reply)).toBeUndefined();
    }
    expect(HELP_REPLY(language, organization).startsWith('Springfield Regional Community: ')).toBe(true);
    expect(HELP_REPLY(language, 'Salud Ñandú')).toMatch(/^Salud Ñandu: /);
  });

  it('OPT_OUT_CONFIRMATION confirms, tells how to opt back in and fits one GSM-7 segment without clinical words', () => {
    for (const org of [organization, 'Café Ñandú 😀', '李']) {
      const reply = OPT_OUT_CONFIRMATION(language, org);
      expect(reply.length).toBeLessThanOrEqual(160);
      expect(nonGsm7Characters(reply)).toEqual([]);
      expect(reply).toMatch(/\bSTART\b/);
      expect(clinicalWord(reply)).toBeUndefined();
    }
    expect(OPT_OUT_CONFIRMATION(language, '李')).toMatch(/^[A-Z]/);
  });
});
