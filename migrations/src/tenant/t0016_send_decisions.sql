-- Which policy rule allowed each message: recorded with the send (reason and legal basis of
-- the decision taken right before it), so a proof dossier names it as it was decided.
ALTER TABLE campaign_sends
    ADD COLUMN allowed_reason text CHECK (length(allowed_reason) <= 100),
    ADD COLUMN allowed_basis text CHECK (length(allowed_basis) <= 100);
