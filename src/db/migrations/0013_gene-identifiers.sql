-- Up Migration

-- Identifiers a gene can be looked up by besides its approved symbol, HGNC id and aliases
-- (GET /api/genes/resolve, docs/data-model.md "Gene identifiers").
alter table genes
  add column if not exists previous_symbols text[] not null default '{}',
  add column if not exists ensembl_gene_id text
    constraint genes_ensembl_gene_id_check check (ensembl_gene_id ~ '^ENSG[0-9]{11}$'),
  add column if not exists ncbi_gene_id text
    constraint genes_ncbi_gene_id_check check (ncbi_gene_id ~ '^[1-9][0-9]{0,11}$');

-- One gene per Ensembl or NCBI id, as in HGNC's own table; the importer names both genes on a clash.
create unique index if not exists genes_ensembl_gene_id_key on genes (ensembl_gene_id);
create unique index if not exists genes_ncbi_gene_id_key on genes (ncbi_gene_id);

-- Every key a gene answers to, ASCII letters upper-cased: symbol, HGNC id, Ensembl and NCBI ids, previous
-- symbols, aliases. translate() rather than upper(): upper() follows the database's locale (and may change with
-- it), while the API builds its keys the same way in JavaScript; other letters must match as written.
-- The separator (U+0001) cannot occur in a symbol; joining, upper-casing and splitting avoids a subquery,
-- which an index expression may not hold.
create or replace function kgdb_gene_lookup_keys(
  approved_symbol text,
  hgnc_id text,
  ensembl_gene_id text,
  ncbi_gene_id text,
  previous_symbols text[],
  aliases text[]
) returns text[]
language sql immutable parallel safe
as $$
  select array_remove(
           string_to_array(
             translate(
               array_to_string(
                 array[approved_symbol, hgnc_id, ensembl_gene_id, ncbi_gene_id] || previous_symbols || aliases,
                 chr(1)),
               'abcdefghijklmnopqrstuvwxyz', 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'),
             chr(1)),
           null)
$$;

-- Every resolve is one probe of this index (current genes only, as the API serves).
create index if not exists genes_lookup_keys_idx on genes
  using gin (kgdb_gene_lookup_keys(approved_symbol, hgnc_id, ensembl_gene_id, ncbi_gene_id, previous_symbols, aliases))
  where valid_to = 'infinity';

-- Down Migration
drop index if exists genes_lookup_keys_idx;
drop function if exists kgdb_gene_lookup_keys(text, text, text, text, text[], text[]);
drop index if exists genes_ncbi_gene_id_key;
drop index if exists genes_ensembl_gene_id_key;
alter table genes
  drop column if exists ncbi_gene_id,
  drop column if exists ensembl_gene_id,
  drop column if exists previous_symbols;
