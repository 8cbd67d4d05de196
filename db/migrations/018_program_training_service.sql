-- PIRL 1303 Type of Training Service #1 comes from the program: each program says which type of training service it
-- is (lib/program-rules.ts TRAINING_SERVICE_TYPES; their PIRL codes: lib/pirl.ts TRAINING_SERVICE_TYPE_TO_PIRL). Every
-- program so far was reported as 06, occupational skills training: that stays their type and is the default.

ALTER TABLE programs
  ADD COLUMN training_service_type text NOT NULL DEFAULT 'occupational_skills_training'
    CHECK (training_service_type IN ('occupational_skills_training', 'on_the_job_training', 'skill_upgrading',
                                     'entrepreneurial_training', 'abe_or_esl_with_training', 'customized_training',
                                     'prerequisite_training', 'registered_apprenticeship',
                                     'youth_occupational_skills_training', 'other_non_occupational_skills_training',
                                     'job_readiness_training'));

