-- Time spent waiting on the customer does not count against SLA targets.
CREATE TABLE sla_pauses (
    inquiry_id TEXT NOT NULL REFERENCES assignments (inquiry_id),
    started_at BIGINT NOT NULL,
    ended_at   BIGINT,
    PRIMARY KEY (inquiry_id, started_at)
);
