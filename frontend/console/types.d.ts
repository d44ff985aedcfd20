// Types of the organiser API replies the console reads (src/http/openapi.json), for the type
// check only (tests/browser/tsconfig.json); not served.

interface ApiErrorBody {
  code: string; message: string; field?: string;
  fields?: { field: string; code: string; message: string }[];
  details?: { rows?: { row: number; column: string | null; message: string }[]; problems?: string[]; reason?: string };
}
interface Membership { organisation_id: number; organisation_slug: string; organisation_name: string; role: 'viewer' | 'organiser' | 'admin'; personal_data_export: boolean }
interface Me { account_id: number; email: string; display_name: string; csrf_token: string | null; memberships: Membership[] }
interface Ctx {
  me: Me;
  org: number;
  role: Membership['role'];
  main: HTMLElement;
  /** Sets the page's h1 and the document title, and moves focus there. */
  title(text: string): void;
  go(hash: string): void;
  /** Runs an action: errors are shown (field errors next to their controls in `form`). */
  run(form: HTMLElement | null, fn: () => Promise<void>): Promise<void>;
  /** Called when the page is left (stops timers). */
  onLeave(fn: () => void): void;
}
interface DrawGroup { count: number; difficulty?: string | null; topics?: string[] }
interface Tier { name: string; count: number }
interface AdminRound {
  id: number; contest_id: number; title: string; mode: string; opens_at: string; closes_at: string; grace_ms: number;
  time_limit_ms: number; attempt_limit: number | null; questions_per_attempt: number; draw_rule: DrawGroup[];
  prediction_target: string | null; prediction_question: string | null; ranking_chain: string[]; reveal: string;
  answers_changeable: boolean; finalized_at: string | null; prizes: Tier[]; prediction_actual: number | null;
}
interface AdminContestBody {
  id: number; organisation_id: number; status: 'draft' | 'published'; slug: string; title: string; organiser: string;
  rules_md: string; cccd_required: boolean; min_age: number | null; consent_version: string; consent_text: string;
  registration_opens_at: string | null; registration_closes_at: string | null; eligibility: Record<string, unknown> | null;
  logo_url: string | null; has_password: boolean; one_prize_per_person: boolean; winners_published_at: string | null;
}
interface AdminContest { contest: AdminContestBody; rounds: AdminRound[] }
interface GroupCount { code: string; participants: number; attempts: number }
interface LiveStats {
  round_id: number; server_ms: number; registered: number; attempts: number; in_progress: number; submitted: number;
  answers_per_second: number; by_commune: GroupCount[]; by_unit: GroupCount[];
}
interface UnitRecord { code: string; name: string; parent_code: string | null; kind: string | null; headcount: number | null }
interface Winner {
  round_id: number; round_title: string | null; participant_id: number; rank: number; tier: number; prize: string;
  full_name: string; phone: string; commune: string | null; verification: 'pending' | 'verified' | 'rejected';
}
interface AuditEntry {
  id: number; at: string; account_id: number | null; account_email: string | null; action: string;
  object_type: string; object_id: string | null; address: string | null; details: unknown;
}
interface Member { account_id: number; email: string; display_name: string; role: string; personal_data_export: boolean }
interface BankQuestion { id: number; code: string; version: number; topic: string; difficulty: string; text: string }
