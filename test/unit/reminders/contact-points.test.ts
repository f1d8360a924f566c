import { reminderChannelsFor, reminderContactPoint } from '../../../shared/reminders/contact-points';

type Points = Parameters<typeof reminderChannelsFor>[0];
const patient = (phones: Points['phones'], emails: Points['emails']): Points => ({ phones, emails });

describe('reminder contact points', () => {
  it('texts the first mobile phone and emails the first personal address', () => {
    const p = patient(
      [{ value: '+15550100002', use: 'home' }, { value: ' +15550100003 ', use: 'mobile' }, { value: '+15550100004', use: 'mobile' }],
      [{ value: 'work@example.org', use: 'work' }, { value: 'old@example.org', use: 'old' }, { value: 'home@example.org', use: 'home' }],
    );
    expect(reminderContactPoint(p, 'sms')).toBe('+15550100003');
    expect(reminderContactPoint(p, 'email')).toBe('home@example.org');
    expect(reminderChannelsFor(p)).toEqual(['sms', 'email']);
  });

  it('accepts an email address with no use', () => {
    expect(reminderChannelsFor(patient([], [{ value: 'someone@example.org' }]))).toEqual(['email']);
  });

  it.each([
    ['no contact points', patient([], [])],
    ['only a landline, a phone of unknown kind and a work address', patient([{ value: '+15550100005', use: 'home' }, { value: '+15550100006' }], [{ value: 'w@example.org', use: 'work' }])],
    ['a blank mobile number and an old address', patient([{ value: '  ', use: 'mobile' }], [{ value: 'o@example.org', use: 'old' }])],
  ])('offers no channel for %s', (_label, p) => {
    expect(reminderChannelsFor(p)).toEqual([]);
    expect(reminderContactPoint(p, 'sms')).toBeUndefined();
    expect(reminderContactPoint(p, 'email')).toBeUndefined();
  });
});
