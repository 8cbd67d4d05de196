-- Vouchers that funding organizations (local workforce boards, sponsors) issue to students, and the rules that make
-- an enrollment's record trustworthy: the workflow writes its own row, and unique indexes (not a read before a write)
-- keep one open enrollment per student and program and one enrollment per voucher.

-- Who a student is, as their token last said: the enrollment record copies the name and email from here when the
-- workflow opens it, so neither ever travels through Temporal.
CREATE TABLE students (
  id         text PRIMARY KEY,
  email      text,
  name       text,
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE vouchers (
  id              uuid PRIMARY KEY,
  -- The funding organization (a funder's organizationId claim); numbers are unique within it.
  organization_id text NOT NULL,
  number          text NOT NULL CHECK (length(number) BETWEEN 1 AND 100),
  funding_source  text NOT NULL CHECK (funding_source IN ('wioa_ita', 'sponsor')),
  -- The student it is issued to: their user id, their email (lower case), or both.
  student_id      text,
  student_email   text CHECK (student_email = lower(student_email)),
  amount_cents    integer NOT NULL CHECK (amount_cents > 0),
  currency        text NOT NULL CHECK (currency ~ '^[a-z]{3}$'),
  -- The last day it can open an enrollment.
  expires_on      date NOT NULL,
  -- When set, it funds only this program.
  program_id      uuid REFERENCES programs (id),
  issued_by       text NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  CHECK (student_id IS NOT NULL OR student_email IS NOT NULL)
);
CREATE UNIQUE INDEX vouchers_number_idx ON vouchers (organization_id, lower(number));
CREATE INDEX vouchers_lookup_idx ON vouchers (lower(number));

ALTER TABLE enrollments
  ADD COLUMN voucher_id            uuid REFERENCES vouchers (id),
  -- What the voucher covers of the price, and what the student pays at checkout (the co-pay); integer cents.
  ADD COLUMN voucher_cents         integer NOT NULL DEFAULT 0 CHECK (voucher_cents >= 0),
  ADD COLUMN amount_due_cents      integer CHECK (amount_due_cents >= 0),
  -- Set when a withdrawal before launch or an unpaid co-pay gives the voucher back.
  ADD COLUMN voucher_released_at   timestamptz;
CREATE INDEX enrollments_voucher_idx ON enrollments (voucher_id) WHERE voucher_id IS NOT NULL;

-- One enrollment per voucher, until the voucher is released.
CREATE UNIQUE INDEX enrollments_one_per_voucher_idx ON enrollments (voucher_id)
  WHERE voucher_id IS NOT NULL AND voucher_released_at IS NULL;
-- One open enrollment per student and program (the open statuses of workflows/messages.ts OPEN_STATUSES).
CREATE UNIQUE INDEX enrollments_one_open_per_program_idx ON enrollments (student_id, program_id)
  WHERE status IN ('pending_payment', 'ready_to_launch', 'in_progress', 'awaiting_review', 'completed');

-- A co-paid enrollment has two accepted payments: the voucher's and the student's checkout; one of each at most.
DROP INDEX payments_one_accepted_idx;
CREATE UNIQUE INDEX payments_one_accepted_idx ON payments (enrollment_id, (provider IN ('stripe', 'simulated')))
  WHERE status = 'accepted';
-- And a refund for each.
ALTER TABLE refunds DROP CONSTRAINT refunds_enrollment_id_key;
ALTER TABLE refunds ADD CONSTRAINT refunds_enrollment_provider_key UNIQUE (enrollment_id, provider);
