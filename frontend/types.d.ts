// Types of the JSON that app.js exchanges with the server (docs/protocol.md), for the type check
// only (tests/browser/tsconfig.json): this file is not served, so app.js stays small.

interface Auth { token: string; participant_id: number; display_name: string; referral_code?: string }
interface Unit { code: string; name: string }
interface Round {
  id: number; title: string; opens_at_ms: number; closes_at_ms: number; time_limit_ms: number;
  attempt_limit: number | null; questions_per_attempt: number; prediction: { target: string; question: string } | null;
  finalized: boolean; prizes?: { name: string; count: number }[]; reveal?: 'after_close' | 'after_submit' | 'never';
}
/** GET /api/contests/{slug} */
interface Contest {
  slug: string; title: string; organiser: string; rules_md: string; rules_html: string; consent_html?: string;
  cccd_required: boolean; min_age: number | null;
  occupation_required?: boolean; occupations?: { code: string; label: string }[];
  consent: { version: string; text: string }; province_code: string | null; rounds: Round[]; units: Unit[];
  scope?: { national: boolean; provinces: { code: string; name: string }[] }; unit_mode?: 'list' | 'commune';
}
interface Question { id: number; text: string; multi: boolean; options: { id: number; text: string }[] }
interface Result {
  attempt_id: string; correct: number; total: number; duration_ms: number; submitted_ms: number;
  prediction: number | null; auto: boolean; attempts_left: number | null;
}
interface Snapshot {
  attempt_id: string; round_id: number; number: number; status: 'open' | 'submitted'; started_ms: number;
  deadline_ms: number; server_ms: number; remaining_ms: number; questions: Question[];
  answers: Record<string, number[]>; last_seq: number; prediction: { target: string; question: string } | null;
  saved_prediction: number | null; result: Result | null;
}
interface AttemptItem { attempt_id: string; number: number; status: 'open' | 'submitted'; started_ms: number; deadline_ms: number }
/** Server → client frames. */
type ServerMsg =
  | ({ type: 'snapshot' } & Snapshot)
  | ({ type: 'result' } & Result)
  | { type: 'ack'; seq: number; question_id: number; status: 'saved' | 'duplicate' | 'stale' }
  | { type: 'attempts'; round_id: number; attempts_left: number | null; items: AttemptItem[] }
  | { type: 'pong'; server_ms: number }
  | { type: 'prediction_saved'; attempt_id: string; prediction: number }
  | { type: 'error'; code: string; message: string; ref?: string | number | null; challenge?: import('./pow.js').PowChallenge };
/** Client → server frames. */
type ClientMsg =
  | { type: 'start'; round_id: number; request_id: string; pow?: import('./pow.js').PowSolution }
  | { type: 'resume' | 'submit'; round_id: number; attempt_id: string; prediction?: number }
  | { type: 'answer'; round_id: number; attempt_id: string; question_id: number; options: number[]; seq: number }
  | { type: 'predict'; round_id: number; attempt_id: string; prediction: number }
  | { type: 'attempts'; round_id: number }
  | { type: 'ping' };

// What the device keeps in localStorage, per contest (keys thiluat:{slug}:auth|att|start).
/** An answer sent but not yet acknowledged: resent with its original seq after a reconnect. */
interface Pending { seq: number; question_id: number; options: number[] }
/** The attempt in progress. */
interface Att { round_id: number; attempt_id: string; last_seq: number; pending: Pending[]; prediction: string }
/** A start whose snapshot has not arrived yet: a retry reuses its request_id. */
interface StartReq { round_id: number; request_id: string }

/** HTTP error envelope's body: `{"error": ApiError}`. */
interface FieldErr { field: string; code: string; message: string }
interface ApiError { code: string; message: string; field?: string; fields?: FieldErr[] }

/** GET /api/rounds/{round}/attempts/{attempt}/review */
interface Review {
  round_id: number; attempt_id: string; correct: number; total: number;
  questions: { question_id: number; text: string; options: { id: number; text: string }[]; chosen: number[];
    correct_options: number[]; is_correct: boolean; explanation: string; law: string; article: string }[];
}
