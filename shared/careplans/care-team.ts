import type { z } from 'zod';
import type { AppContext } from '../context';
import { BadRequestError } from '../errors';
import { findUser } from '../users/directory';
import type { CareTeamMember, ZCareTeamInput } from './schema';

/**
 * Care-team members with their names from the staff directory (never a client-supplied name).
 * An id the directory does not know is a 400 that does not echo it.
 */
export async function resolveCareTeam(ctx: AppContext, input: readonly z.output<typeof ZCareTeamInput>[]): Promise<CareTeamMember[]> {
  return Promise.all(
    input.map(async (m) => {
      const user = await findUser(ctx, m.userId);
      if (!user) throw new BadRequestError('A care team member is not a known member of staff');
      return { userId: user.id, name: user.name, role: m.role };
    }),
  );
}
