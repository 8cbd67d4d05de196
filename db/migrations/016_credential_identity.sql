-- Open Badges 3.0 identifies a credential's recipient by an IdentityObject whose identityHash is
-- 'sha256$' || hex(sha256(email || salt)) (OB 3.0 §B.1 IdentityObject, IdentityHash). Each certificate keeps its own
-- salt, drawn once, so the signed credential is the same every time it is served and two certificates of one student
-- do not share a hash. 32 hex characters (122 random bits of a version-4 UUID); existing rows get one each.
ALTER TABLE certificates
  ADD COLUMN identity_salt text NOT NULL DEFAULT replace(gen_random_uuid()::text, '-', '');
