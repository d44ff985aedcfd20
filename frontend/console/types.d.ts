// Types of the organiser API replies the console reads (src/http/openapi.json), for the type
// check only (tests/browser/tsconfig.json); not served.

interface ApiErrorBody {
  code: string; message: string; field?: string;
  fields?: { field: string; code: string; message: string }[];
  details?: { rows?: { row: number; column: string | null; message: string }[]; problems?: { code: string; round: string | null; message: string }[]; reason?: string };
}
interface Membership { organisation_id: number; organisation_slug: string; organisation_name: string; role: 'viewer' | 'organiser' | 'admin'; personal_data_export: boolean }
interface Me { account_id: number; email: string; display_name: string; csrf_token: string | null; memberships: Membership[]; password_change_required: boolean }
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
  scope_provinces: string[] | null; unit_mode: "list" | "commune";
}
interface AdminContest { contest: AdminContestBody; rounds: AdminRound[] }
interface GroupCount { code: string; participants: number; attempts: number }
interface LiveStats {
  round_id: number; server_ms: number; registered: number; attempts: number; in_progress: number; submitted: number;
  answers_per_second: number; by_commune: GroupCount[]; by_unit: GroupCount[]; dead_letters: number;
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
interface StatGroup { key: string; label: string; participants: number; attempts: number }
interface ParticipationStats {
  contest_id: number; round_id: number | null; registered: number; participants: number; attempts: number;
  by: Record<'province' | 'commune' | 'area' | 'unit' | 'age_band' | 'sex' | 'occupation', StatGroup[]>;
  scores: { correct: number; participants: number }[];
}
interface Scoring { rate_weight?: number; participant_weight?: number; prize_points?: Record<string, number> }
interface ReportSettings { overall: { prizes: Tier[] } | null; collective: Scoring | null; occupation_required: boolean }
interface OverallResult {
  participant_id: number; name: string; phone: string; commune: string | null; unit_code: string; unit: string;
  rank: number; tied: boolean; total_correct: number; total_duration_ms: number; last_submitted_at_ms: number;
  rounds: { round_id: number; rank: number; correct: number; duration_ms: number }[]; prize: string | null;
}
interface UnitStanding {
  rank: number; code: string; name: string; headcount: number | null; participants: number; rate: number | null;
  winners: number; prizes: Record<string, number>; score: number;
}
interface SurveyReport {
  contest_id: number; round_id: number | null; count: number; distribution: { score: number; count: number }[];
  satisfied: number; satisfaction_rate: number | null; average: number | null; target_rate: number; meets_target: boolean | null;
  comments: { score: number; comment: string; answered_on: string }[];
}
interface QuestionOptionStat { option_id: number; label: string; text: string; correct: boolean; chosen: number; percent: number | null }
interface LeakFlag { date: string; attempts: number; facility: number; baseline: number }
interface QuestionStat {
  question_id: number; code: string; version: number; text: string; attempts: number; correct: number;
  facility: number | null; discrimination: number | null; unanswered: number; options: QuestionOptionStat[];
  days: { date: string; attempts: number; facility: number | null }[]; flagged: boolean; leaks: LeakFlag[];
}
interface QuestionStats { round_id: number; leak_rule: { margin_points: number; min_attempts: number }; items: QuestionStat[] }
interface CaseParticipant { id: number; full_name: string; phone_masked: string; registered_at: string; disqualified: boolean }
interface AbuseCase {
  id: number; rule: string; round_id: number | null; status: string; participants: CaseParticipant[];
  evidence: Record<string, unknown>; reason: string | null; decided_by: number | null; decided_at: string | null;
  created_at: string; updated_at: string;
}
interface PrivacySettings {
  contest_id: number; retention_days: number; reentry_after_erasure: boolean; last_round_closes_at: string | null;
  retention_ends_at: string | null; anonymised_at: string | null; erased_participants: number;
}
interface RankedResult {
  participant_id: number; name: string; phone: string; commune: string | null; unit_code: string; unit: string;
  rank: number; tied: boolean;
  counted: { attempt_id: string; correct: number; prediction: number | null; distance: number | null; duration_ms: number; submitted_at_ms: number };
  attempts: { attempt_id: string; number: number; correct: number | null; counted: boolean }[];
}
