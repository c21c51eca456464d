-- Duplicate checks look up an identical recent message to one address by its digest instead of
-- scanning every recent message to that address.
alter table notification_delivery add column content_key text;
create index notification_delivery_content_idx on notification_delivery (method, recipient, content_key, created_at);
