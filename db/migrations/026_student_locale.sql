-- The language a student reads (issue 24, item 12): the one their pages were last shown in (the switch, or their
-- browser's Accept-Language). The emails and the certificate PDF sent to them are written in it; none yet: English.
ALTER TABLE students ADD COLUMN locale text CHECK (locale IN ('en', 'es'));
