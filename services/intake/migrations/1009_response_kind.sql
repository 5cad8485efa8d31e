-- An acknowledgement ("received, answer by 15:00") is a response the customer got, kept
-- with its text and reply method like an answer (CI-2.6, CI-3.7); answers stay 'answer'.
ALTER TABLE responses ADD COLUMN kind TEXT NOT NULL DEFAULT 'answer';
