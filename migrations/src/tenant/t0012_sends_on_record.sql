-- Every message sent is on the person's record (Art. 15 GDPR): a send recovered after a crash
-- (its body was handed to the mail server, the answer was never recorded) is written to
-- sent_messages like any other, marked as an unconfirmed handover. Earlier recoveries wrote
-- none; they are added here.
ALTER TABLE sent_messages ADD COLUMN unconfirmed_handover boolean NOT NULL DEFAULT false;
INSERT INTO sent_messages (id, person_id, channel, kind, ref_id, subject, message_id, sent_at,
                           unconfirmed_handover)
SELECT gen_random_uuid(), s.person_id, s.channel, 'campaign', s.id, s.subject, s.message_id,
       COALESCE(s.sent_at, s.claimed_at), true
FROM campaign_sends s
WHERE s.status = 'sent' AND s.reason = 'UNCONFIRMED_HANDOVER'
ON CONFLICT (kind, ref_id) DO NOTHING;
