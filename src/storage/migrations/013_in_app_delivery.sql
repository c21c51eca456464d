-- One in-app notification per delivery: the in-app channel inserts its row `on conflict do
-- nothing`, so a retried or recovered send never shows the same message twice in a feed.
create unique index in_app_notification_delivery_idx on in_app_notification (delivery_id) where delivery_id is not null;
