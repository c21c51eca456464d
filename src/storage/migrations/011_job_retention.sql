-- Finished jobs (done or cancelled) are pruned after the retention period; dead ones stay
-- visible until someone deals with them. This index finds the prunable ones.
create index job_finished_idx on job (finished_at) where state in ('done', 'cancelled');
