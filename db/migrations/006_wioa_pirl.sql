-- The WIOA participant record shaped after the PIRL (ETA-9172; see lib/pirl.ts for the element numbers and sources).

ALTER TABLE wioa_outcomes
  -- PIRL 100 Unique Individual Identifier (AN 12): a number of the platform's own, zero-padded on export; no personal data.
  ADD COLUMN pirl_id               bigint GENERATED ALWAYS AS IDENTITY,
  -- PIRL 1300 Received Training: false for a student who left before the course was launched.
  ADD COLUMN received_training     boolean NOT NULL DEFAULT true,
  -- PIRL 1302 Date Entered Training #1: when the course was launched at the partner.
  ADD COLUMN training_entry_date   date,
  -- PIRL 1303 Type of Training Service #1 as its two-digit code; 06 = Occupational Skills Training (non-WIOA Youth).
  ADD COLUMN training_service_code text NOT NULL DEFAULT '06' CHECK (training_service_code ~ '^[0-9]{2}$');

CREATE UNIQUE INDEX wioa_outcomes_pirl_id_idx ON wioa_outcomes (pirl_id);
-- The export selects by exit or by entry date.
CREATE INDEX wioa_outcomes_exit_date_idx ON wioa_outcomes (exit_date);
CREATE INDEX wioa_outcomes_entry_date_idx ON wioa_outcomes (program_entry_date);
