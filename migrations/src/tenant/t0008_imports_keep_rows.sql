-- Imports keep every usable row: an invalid optional field is left empty on the person and
-- reported as a warning with the file's value; a strict import refuses such a row instead.
ALTER TABLE imports ADD COLUMN strict boolean NOT NULL DEFAULT false;
ALTER TABLE import_errors ADD COLUMN value text;
-- The custom fields an import creates for its columns ([key, label, kind] each): a dry run
-- validates against them before they exist.
ALTER TABLE imports ADD COLUMN new_fields jsonb NOT NULL DEFAULT '[]'::jsonb;
