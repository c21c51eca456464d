-- Read-only API views of deliveries and their attempts: costs as plain numbers, each attempt
-- with the project of its delivery.
create view notification_delivery_view as
  select d.*, d.cost_usd_cents::float8 as cost_in_usd_cents from notification_delivery d;
create view notification_attempt_view as
  select a.* from notification_attempt a;
