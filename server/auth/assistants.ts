import { ErrorCode } from '../../protocol/errors.ts';
import { err, ok, type Result } from '../../protocol/result.ts';
import type { AuthFailure } from './identity.ts';

/** A lawyer may have at most three assistants (national lawyer-platform rule). */
export const MAX_ASSISTANTS = 3;

/**
 * Active assistants per lawyer. An assistant is active while any of their sessions lives
 * (several devices count once); a claim returns the release to call when that session ends.
 */
export class AssistantRegistry {
  private readonly byLawyer = new Map<string, Map<string, number>>();

  claim(lawyerId: string, assistantId: string): Result<() => void, AuthFailure> {
    let team = this.byLawyer.get(lawyerId);
    if (!team) this.byLawyer.set(lawyerId, (team = new Map()));
    const sessions = team.get(assistantId) ?? 0;
    if (sessions === 0 && team.size >= MAX_ASSISTANTS) {
      return err({ code: ErrorCode.ASSISTANT_LIMIT, message: `lawyer ${lawyerId} already has ${MAX_ASSISTANTS} active assistants` });
    }
    team.set(assistantId, sessions + 1);
    let released = false;
    return ok(() => {
      if (released) return;
      released = true;
      this.release(lawyerId, assistantId);
    });
  }

  active(lawyerId: string): number {
    return this.byLawyer.get(lawyerId)?.size ?? 0;
  }

  private release(lawyerId: string, assistantId: string): void {
    const team = this.byLawyer.get(lawyerId);
    const left = (team?.get(assistantId) ?? 0) - 1;
    if (left > 0) team?.set(assistantId, left);
    else team?.delete(assistantId);
    if (team?.size === 0) this.byLawyer.delete(lawyerId);
  }
}
