/**
 * Real kidney genes that open the demo dataset, so that `GET /api/genes/PKD1` works on a fresh install.
 * Symbols and HGNC ids are facts (HGNC); the 88 after the core twelve are the genes listed most often by
 * the nine upstream diagnostic-panel providers. Aliases are HGNC alias and previous symbols.
 */
export interface KidneyGene {
  symbol: string;
  hgnc_id: string;
  aliases: readonly string[];
  /** The twelve best-known genes get the richest evidence (all seven sources, Definitive classifications). */
  core: boolean;
  /** The gene's best-known disease (OMIM phenotype), used in HPO/GenCC/ClinGen evidence of core genes. */
  disease?: { id: string; name: string };
}

type CoreRow = readonly [
  symbol: string,
  hgnc: number,
  aliases: readonly string[],
  omim: number,
  disease: string,
];

const CORE: readonly CoreRow[] = [
  ['PKD1', 9008, ['PBP', 'Pc-1', 'TRPP1'], 173900, 'Polycystic kidney disease 1'],
  ['PKD2', 9009, ['APKD2', 'PC2', 'Pc-2', 'TRPP2'], 613095, 'Polycystic kidney disease 2'],
  ['COL4A5', 2207, ['ASLN', 'ATS'], 301050, 'Alport syndrome 1, X-linked'],
  ['COL4A3', 2204, [], 203780, 'Alport syndrome 2, autosomal recessive'],
  ['COL4A4', 2206, [], 203780, 'Alport syndrome 2, autosomal recessive'],
  ['NPHS1', 7908, ['CNF', 'NPHN'], 256300, 'Nephrotic syndrome, type 1'],
  ['NPHS2', 13394, ['PDCN', 'SRN1'], 600995, 'Nephrotic syndrome, type 2'],
  ['WT1', 12796, ['GUD', 'NPHS4', 'WAGR'], 194080, 'Denys-Drash syndrome'],
  ['HNF1B', 11630, ['MODY5', 'TCF2', 'VHNF1'], 137920, 'Renal cysts and diabetes syndrome'],
  [
    'UMOD',
    12559,
    ['ADMCKD2', 'HNFJ', 'THP'],
    162000,
    'Tubulointerstitial kidney disease, autosomal dominant, 1',
  ],
  ['PAX2', 8616, [], 120330, 'Papillorenal syndrome'],
  ['CEP290', 29021, ['BBS14', 'JBTS5', 'MKS4', 'NPHP6'], 610188, 'Joubert syndrome 5'],
];

/** Symbol:HGNC-number pairs, whitespace-separated (compact, and the formatter leaves it alone). */
const KNOWN = `
  EYA1:3519 ZNF423:16762 ACE:2707 ACTN4:166 AGT:333 AGXT:341 ANKS6:26724 ANLN:14082 ARHGDIA:678
  CC2D2A:29253 CD2AP:14258 CEP164:29182 CEP83:17966 COQ2:25223 COQ6:20233 COQ8B:19041 CRB2:18688
  CUBN:2548 DCDC2:18141 DGKE:2852 DZIP1L:26551 FREM1:23399 FREM2:25396 GANAB:4138 GATA3:4172
  GLIS2:29450 INF2:23791 INVS:17870 ITGA3:6139 JAG1:6188 LAMB2:6487 LMX1B:6654 MAPKBP1:29536 MYH9:7579
  MYO1E:7599 NEK8:13387 NPHP1:7905 NPHP3:7907 NPHP4:19104 PDSS2:23041 PKHD1:9016 PLCE1:17175
  PTPRO:9678 REN:9958 ROBO2:10250 RPGRIP1L:29168 SALL1:10524 SIX1:10887 SLC12A3:10912 SMARCAL1:11102
  TMEM216:25018 TMEM67:28396 TRPC6:12338 TTC21B:25660 WDR19:18340 XPNPEP3:28052 AGTR1:336 AHI1:21575
  ANOS1:6211 APOL1:618 ATP6V0A4:866 ATP6V1B1:853 AVPR2:897 BICC1:19351 BMP4:1071 BSND:16512 CA2:1373
  CASR:1514 CLCN5:2023 CLDN16:2037 CLDN19:2040 CUL3:2553 DHCR7:2860 EMP2:3334 FN1:3778 FRAS1:19185
  GLI3:4319 GRHPR:4570 GRIP1:18708 HNF4A:5024 HOGA1:25155 HSD11B2:5209 IFT140:29077 IFT172:30391
  IQCB1:28949 KCNJ1:6255 KCNJ10:6256 KLHL3:6354
`
  .trim()
  .split(/\s+/)
  .map((pair) => pair.split(':') as [string, string]);

/** HGNC previous symbols and aliases of some non-core genes (the rest have none in the demo). */
const KNOWN_ALIASES: Readonly<Record<string, readonly string[]>> = {
  ANOS1: ['KAL1'],
  CLDN16: ['PCLN1'],
  COQ8B: ['ADCK4'],
  KCNJ1: ['ROMK1'],
  NPHP1: ['JBTS4', 'SLSN1'],
};

export const KIDNEY_GENES: readonly KidneyGene[] = [
  ...CORE.map(([symbol, hgnc, aliases, omim, name]) => ({
    symbol,
    hgnc_id: `HGNC:${hgnc}`,
    aliases,
    core: true,
    disease: { id: `OMIM:${omim}`, name },
  })),
  ...KNOWN.map(([symbol, hgnc]) => ({
    symbol,
    hgnc_id: `HGNC:${hgnc}`,
    aliases: KNOWN_ALIASES[symbol] ?? [],
    core: false,
  })),
];
