import { REMINDER_TEMPLATE_LABEL as DOMAIN_TEMPLATE_LABEL } from '../../../shared/reminders/template-labels';
import { ZReminderTemplateId } from '../../../shared/reminders/templates';
import { REMINDER_TEMPLATE_LABEL, reminderReasonText } from '../../../web/app/lib/reminder-labels';

describe('the console’s reminder words (web/app/lib/reminder-labels)', () => {
  it('tells a missed appointment apart from a cancelled one', () => {
    expect(reminderReasonText('appointment-no-show')).toBe('the patient missed the appointment');
    expect(reminderReasonText('appointment-cancelled')).toBe('the appointment was cancelled');
  });

  it('reads an unknown code as its words', () => {
    expect(reminderReasonText('carrier-blocked')).toBe('carrier blocked');
    expect(reminderReasonText(undefined)).toBeUndefined();
  });

  it('names templates from the domain’s one map, one spelling each', () => {
    expect(REMINDER_TEMPLATE_LABEL).toBe(DOMAIN_TEMPLATE_LABEL);
    expect(Object.keys(REMINDER_TEMPLATE_LABEL).sort()).toEqual([...ZReminderTemplateId.options].sort());
    expect(REMINDER_TEMPLATE_LABEL['follow-up-reminder']).toBe('Follow-up reminder');
  });
});
