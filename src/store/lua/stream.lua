-- stream: how each event of a round's stream is written; prepended to start.lua, answer.lua
-- and submit.lua (src/store/redis.rs), which write their event in the same call as the change.
-- xadd_<event>(stream key, the event's fields in order) returns the new entry's id.
-- src/store/stream.rs mirrors these lists (its encoder and decoder) and checks this file.
local function xadd_start(stream, f_a, f_p, f_n, f_s, f_d, f_qs)
  return redis.call('XADD', stream, '*', 't', 'start',
    'a', f_a, 'p', f_p, 'n', f_n, 's', f_s, 'd', f_d, 'qs', f_qs)
end
local function xadd_answer(stream, f_a, f_q, f_o, f_seq, f_at)
  return redis.call('XADD', stream, '*', 't', 'answer',
    'a', f_a, 'q', f_q, 'o', f_o, 'seq', f_seq, 'at', f_at)
end
local function xadd_submit(stream, f_a, f_c, f_d, f_s, f_pr, f_auto, f_p, f_n, f_st, f_dl, f_qs)
  return redis.call('XADD', stream, '*', 't', 'submit',
    'a', f_a, 'c', f_c, 'd', f_d, 's', f_s, 'pr', f_pr, 'auto', f_auto, 'p', f_p, 'n', f_n, 'st', f_st, 'dl', f_dl, 'qs', f_qs)
end
