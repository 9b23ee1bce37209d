import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { GeneListQuerystring, GeneListResponse } from '../genes/gene-schemas.js';
import { IntParam, NumberParam, TextParam } from '../http/params.js';
import { MAX_NOTES_LENGTH, VERSION_PATTERN } from './release-input.js';
import { RELEASE_STATUSES } from './release-repository.js';

const MAX_LIMIT = 1000;
/** Diff threshold default, percentage points of evidence_score. */
export const DEFAULT_MIN_SCORE_CHANGE = 5;

const versionText = (description: string) =>
  TextParam({ maxLength: 20, pattern: VERSION_PATTERN, description });
const VERSION_DESCRIPTION = 'Release version, CalVer YYYY.MM or YYYY.MM.PATCH (e.g. 2026.12)';

export const ReleaseParams = Type.Object(
  { version: versionText(VERSION_DESCRIPTION) },
  { additionalProperties: false },
);
export type ReleaseParams = Static<typeof ReleaseParams>;

export const ReleaseDiffParams = Type.Object(
  {
    a: versionText('The earlier release (CalVer version)'),
    b: versionText('The later release (CalVer version)'),
  },
  { additionalProperties: false },
);
export type ReleaseDiffParams = Static<typeof ReleaseDiffParams>;

export const CreateReleaseBody = Type.Object(
  {
    version: versionText(`${VERSION_DESCRIPTION}; must not exist yet`),
    release_notes: Type.Optional(TextParam({ maxLength: MAX_NOTES_LENGTH, description: 'Release notes' })),
    publish: Type.Optional(
      Type.Boolean({ default: false, description: 'Publish at once instead of creating a draft' }),
    ),
  },
  { additionalProperties: false },
);
export type CreateReleaseBody = Static<typeof CreateReleaseBody>;

export const ReleaseListQuerystring = Type.Object(
  {
    status: Type.Optional(
      Type.String({ enum: [...RELEASE_STATUSES], description: 'Only releases in this state' }),
    ),
    limit: Type.Optional(
      IntParam({ minimum: 1, maximum: MAX_LIMIT, default: 100, description: 'Releases per page' }),
    ),
    offset: Type.Optional(IntParam({ minimum: 0, default: 0, description: 'Releases to skip' })),
  },
  { additionalProperties: false },
);
export type ReleaseListQuerystring = Static<typeof ReleaseListQuerystring>;

/** The gene list's query, plus upstream's limit / offset as another way to page (not with page[…]). */
export const ReleaseGenesQuerystring = Type.Object(
  {
    ...GeneListQuerystring.properties,
    limit: Type.Optional(
      IntParam({
        minimum: 1,
        maximum: MAX_LIMIT,
        description: 'Genes per page (upstream); instead of page[size]',
      }),
    ),
    offset: Type.Optional(
      IntParam({ minimum: 0, description: 'Genes to skip (upstream); instead of page[number]' }),
    ),
  },
  { additionalProperties: false },
);
export type ReleaseGenesQuerystring = Static<typeof ReleaseGenesQuerystring>;

export const ReleaseDiffQuerystring = Type.Object(
  {
    min_score_change: Type.Optional(
      NumberParam({
        minimum: 0,
        maximum: 100,
        default: DEFAULT_MIN_SCORE_CHANGE,
        description: 'List score changes larger than this many percentage points of evidence_score',
      }),
    ),
  },
  { additionalProperties: false },
);
export type ReleaseDiffQuerystring = Static<typeof ReleaseDiffQuerystring>;

// ---- responses ------------------------------------------------------------------------------------------

const nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const dateTime = Type.String({ format: 'date-time' });

export const ReleaseResource = Type.Object({
  id: Type.Integer(),
  version: Type.String(),
  status: Type.String({ enum: [...RELEASE_STATUSES] }),
  release_date: nullable(Type.String({ format: 'date' })),
  published_at: nullable(dateTime),
  published_by: nullable(Type.String()),
  published_by_id: nullable(Type.Integer()),
  export_checksum: Type.String(),
  gene_count: Type.Integer(),
  total_evidence_count: Type.Integer(),
  tier_counts: Type.Record(Type.String(), Type.Integer()),
  release_notes: nullable(Type.String()),
  citation_text: Type.String(),
  created_by: Type.String(),
  created_by_id: nullable(Type.Integer()),
  created_at: dateTime,
  updated_at: dateTime,
});
export type ReleaseResource = Static<typeof ReleaseResource>;

export const ReleaseResponse = Type.Object({ data: ReleaseResource });

export const ReleaseListResponse = Type.Object({
  data: Type.Array(ReleaseResource),
  meta: Type.Object({ total: Type.Integer(), limit: Type.Integer(), offset: Type.Integer() }),
});

/** The gene list's resources and links, with the release and upstream's offset in meta. */
export const ReleaseGenesResponse = Type.Object({
  data: GeneListResponse.properties.data,
  meta: Type.Object({
    release: Type.String(),
    total: Type.Integer(),
    page: Type.Integer(),
    per_page: Type.Integer(),
    page_count: Type.Integer(),
    offset: Type.Integer(),
  }),
  links: GeneListResponse.properties.links,
});
export type ReleaseGenesResponse = Static<typeof ReleaseGenesResponse>;

const diffGene = {
  id: Type.String(),
  approved_symbol: Type.String(),
  hgnc_id: nullable(Type.String()),
};
const presentGene = Type.Object({ ...diffGene, evidence_tier: Type.String(), evidence_score: Type.Number() });

export const ReleaseDiffResponse = Type.Object({
  data: Type.Object({
    added: Type.Array(presentGene),
    removed: Type.Array(presentGene),
    retiered: Type.Array(Type.Object({ ...diffGene, from: Type.String(), to: Type.String() })),
    score_changes: Type.Array(
      Type.Object({ ...diffGene, from: Type.Number(), to: Type.Number(), delta: Type.Number() }),
    ),
  }),
  meta: Type.Object({
    from: Type.String(),
    to: Type.String(),
    min_score_change: Type.Number(),
    added: Type.Integer(),
    removed: Type.Integer(),
    retiered: Type.Integer(),
    score_changes: Type.Integer(),
  }),
});
