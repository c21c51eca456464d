-- Several engine workers consume events at once, but the events of one subject in `seq`
-- order: a claim skips an event while an earlier one of the same subject is unconsumed and
-- due. This index answers that look-up among the unconsumed events only.
create index domain_event_unconsumed_subject_idx on domain_event (subject_id, seq) where consumed_at is null;
