-- Two more campaign goals (kartei_campaigns::report): a customer who had bought before buys
-- again within the attribution window (`repeat_purchase`), and a contact spends more in the
-- window after the send than in as many days before it (`spend_increase`).
ALTER TABLE campaigns DROP CONSTRAINT campaigns_goal_kind_check,
    ADD CONSTRAINT campaigns_goal_kind_check CHECK (goal_kind IN
        ('purchase', 'reply', 'meeting', 'referral', 'click', 'repeat_purchase', 'spend_increase'));
