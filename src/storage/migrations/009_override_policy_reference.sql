-- A policy's own overrides go with the policy (overrides predate policies in the migrations).
delete from on_call_user_override o where o.policy_id is not null
  and not exists (select 1 from on_call_policy p where p.id = o.policy_id);
alter table on_call_user_override add foreign key (policy_id) references on_call_policy (id) on delete cascade;
