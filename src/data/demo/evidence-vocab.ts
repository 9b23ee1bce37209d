/**
 * Vocabularies the demo evidence draws from. Names are real (PanelApp panel titles, HPO terms, provider and
 * panel names of the upstream diagnostic-panel scrapers, GenCC submitters, ClinGen expert panels, journals);
 * identifiers that would have to be invented (PanelApp panel ids, disease ids of synthetic genes, PMIDs)
 * are synthetic and documented where they are made.
 */

/** PanelApp (Genomics England, UK) and PanelApp Australia kidney panels; ids are illustrative. */
export const PANELAPP_PANELS = [
  { id: 283, name: 'Cystic renal disease', region: 'UK' },
  { id: 290, name: 'Proteinuric renal disease', region: 'UK' },
  { id: 482, name: 'Unexplained paediatric onset end-stage renal disease', region: 'UK' },
  { id: 292, name: 'Renal tubulopathies', region: 'UK' },
  { id: 234, name: 'CAKUT', region: 'UK' },
  { id: 515, name: 'Haematuria', region: 'UK' },
  { id: 294, name: 'Nephrocalcinosis or nephrolithiasis', region: 'UK' },
  { id: 268, name: 'Atypical haemolytic uraemic syndrome', region: 'UK' },
  { id: 509, name: 'Renal ciliopathies', region: 'UK' },
  { id: 205, name: 'Bardet Biedl syndrome', region: 'UK' },
  { id: 211, name: 'Joubert syndrome', region: 'UK' },
  { id: 3005, name: 'Renal Ciliopathies and Nephronophthisis', region: 'Australia' },
  { id: 3006, name: 'Cystic Kidney Disease', region: 'Australia' },
  { id: 3007, name: 'Steroid Resistant Nephrotic Syndrome', region: 'Australia' },
  { id: 3008, name: 'Congenital anomalies of the kidney and urinary tract (CAKUT)', region: 'Australia' },
  { id: 3009, name: 'Renal Tubulopathies', region: 'Australia' },
  { id: 3010, name: 'Haematuria_Alport', region: 'Australia' },
  { id: 3011, name: 'Nephrolithiasis', region: 'Australia' },
  { id: 3012, name: 'Kidneyome_SuperPanel', region: 'Australia' },
] as const;

export const PANELAPP_EVIDENCE_LEVELS = [
  'Expert Review Green',
  'Expert Review Amber',
  'Expert Review Red',
  'Green',
  'Amber',
] as const;

export const MODES_OF_INHERITANCE = [
  'BIALLELIC, autosomal or pseudoautosomal',
  'MONOALLELIC, autosomal or pseudoautosomal, imprinted status unknown',
  'BOTH monoallelic and biallelic, autosomal or pseudoautosomal',
  'X-LINKED: hemizygous mutation in males, biallelic mutations in females',
  'X-LINKED: hemizygous mutation in males, monoallelic mutations in females may cause disease (may be less severe, later onset than males)',
  'Unknown',
] as const;

/** Short inheritance labels as GenCC and ClinGen print them. */
export const MOI_SHORT = ['Autosomal dominant', 'Autosomal recessive', 'X-linked', 'Semidominant'] as const;

/** Kidney disease names; synthetic genes get them with a synthetic OMIM-style id (see syntheticDisease). */
export const DISEASE_NAMES = [
  'Nephronophthisis',
  'Focal segmental glomerulosclerosis',
  'Distal renal tubular acidosis',
  'Congenital anomalies of kidney and urinary tract',
  'Steroid-resistant nephrotic syndrome',
  'Bardet-Biedl syndrome',
  'Joubert syndrome',
  'Cystic kidney disease',
  'Atypical hemolytic uremic syndrome',
  'Nephrolithiasis',
  'Bartter syndrome',
  'Gitelman syndrome',
  'Familial hypomagnesemia',
  'Dent disease',
  'Primary hyperoxaluria',
  'Cystinuria',
  'Fanconi renotubular syndrome',
  'Alport syndrome',
  'Thin basement membrane nephropathy',
  'C3 glomerulopathy',
  'Renal hypodysplasia',
  'Meckel syndrome',
  'Senior-Loken syndrome',
  'Nephrogenic diabetes insipidus',
] as const;

/** Kidney-related HPO terms (real ids). */
export const HPO_TERMS = [
  'HP:0000077', // Abnormality of the kidney
  'HP:0000083', // Renal insufficiency
  'HP:0000089', // Renal hypoplasia
  'HP:0000090', // Nephronophthisis
  'HP:0000093', // Proteinuria
  'HP:0000097', // Focal segmental glomerulosclerosis
  'HP:0000100', // Nephrotic syndrome
  'HP:0000103', // Polyuria
  'HP:0000104', // Renal agenesis
  'HP:0000105', // Enlarged kidney
  'HP:0000107', // Renal cyst
  'HP:0000110', // Renal dysplasia
  'HP:0000112', // Nephropathy
  'HP:0000113', // Polycystic kidney dysplasia
  'HP:0000114', // Proximal tubulopathy
  'HP:0000121', // Nephrocalcinosis
  'HP:0000123', // Nephritis
  'HP:0000124', // Renal tubular dysfunction
  'HP:0000126', // Hydronephrosis
  'HP:0000076', // Vesicoureteral reflux
  'HP:0000407', // Sensorineural hearing impairment
  'HP:0000505', // Visual impairment
  'HP:0000510', // Rod-cone dystrophy
  'HP:0000787', // Nephrolithiasis
  'HP:0000790', // Hematuria
  'HP:0000822', // Hypertension
  'HP:0001941', // Acidosis
  'HP:0001959', // Polydipsia
  'HP:0002149', // Hyperuricemia
  'HP:0002900', // Hypokalemia
  'HP:0003774', // Stage 5 chronic kidney disease
  'HP:0012622', // Chronic kidney disease
] as const;

/** The nine diagnostic-panel providers kgdb imports and their kidney panels (upstream scraper data). */
export const PANEL_PROVIDERS: readonly { provider: string; panels: readonly string[] }[] = [
  { provider: 'Mayo Clinic Labs', panels: ['Comprehensive Nephrology Gene Panel (NEPHP)'] },
  { provider: 'Centogene', panels: ['CentoNephro'] },
  { provider: 'MGZ München', panels: ['Nierenerkrankungen Panel'] },
  { provider: 'MVZ Medicover', panels: ['Kidney Diseases Panel'] },
  { provider: 'PreventionGenetics', panels: ['Comprehensive Kidney Disease Panel'] },
  { provider: 'CeGaT', panels: ['Kidney Disease Panel'] },
  { provider: 'Invitae', panels: ['Comprehensive Renal Genes Panel'] },
  { provider: 'Natera', panels: ['Renasight'] },
  {
    provider: 'Blueprint Genetics',
    // Ordered by how many genes each lists, so a Pareto draw of "how many" picks the broad panels first.
    panels: [
      'Ciliopathy Panel',
      'Nephrotic Syndrome Panel',
      'Nephrolithiasis Panel',
      'Cystic Kidney Disease Panel',
      'Joubert Syndrome Panel',
      'Bardet-Biedl Syndrome Panel',
      'Renal Malformation Panel',
      'Nephronophthisis Panel',
      'Hypomagnesemia Panel',
      'Meckel Syndrome Panel',
      'Polycystic Kidney Disease Panel',
      'Hypophosphatemic Rickets Panel',
      'Bartter Syndrome Panel',
      'Pseudohypoaldosteronism Panel',
      'Senior-Loken Syndrome Panel',
      'Hemolytic Uremic Syndrome Panel',
      'Alport Syndrome Panel',
      'Renal Tubular Acidosis Panel',
    ],
  },
];

export const GENCC_SUBMITTERS = [
  'Ambry Genetics',
  'Genomics England PanelApp',
  'Invitae',
  'Orphanet',
  'TGMI|G2P',
  'PanelApp Australia',
  "Myriad Women's Health",
  'Illumina',
  'Franklin by Genoox',
  'Laboratory for Molecular Medicine',
  'Baylor Genetics',
  'ClinGen',
] as const;

export const CLINGEN_EXPERT_PANELS = [
  'Kidney Cystic and Ciliopathy Disorders Gene Curation Expert Panel',
  'Glomerulopathy Gene Curation Expert Panel',
  'Complement-Mediated Kidney Diseases Gene Curation Expert Panel',
  'Tubulopathy Gene Curation Expert Panel',
  'Congenital Anomalies of the Kidney and Urinary Tract Gene Curation Expert Panel',
] as const;

export const JOURNALS = [
  'Kidney International',
  'Journal of the American Society of Nephrology',
  'Nephrology Dialysis Transplantation',
  'American Journal of Kidney Diseases',
  'Clinical Journal of the American Society of Nephrology',
  'Pediatric Nephrology',
  'Genetics in Medicine',
  'American Journal of Human Genetics',
  'New England Journal of Medicine',
  'Nature Genetics',
] as const;

export const SURNAMES = [
  'Hildebrandt',
  'Gharavi',
  'Harris',
  'Torres',
  'Antignac',
  'Bergmann',
  'Devuyst',
  'Kashtan',
  'Lemaire',
  'Sanna-Cherchi',
  'Vivante',
  'Braun',
  'Groopman',
  'Rasouly',
  'Knoers',
  'Renieri',
  'Savige',
  'Mallett',
  'Stokman',
  'Connaughton',
  'Wuttke',
  'Bleyer',
  'Ong',
  'Cornec-Le Gall',
] as const;

export const TITLE_TOPICS = [
  'exome sequencing',
  'genome sequencing',
  'a targeted gene panel',
  'copy-number analysis',
  'long-read sequencing',
] as const;

export const TITLE_COHORTS = [
  'chronic kidney disease',
  'steroid-resistant nephrotic syndrome',
  'congenital anomalies of the kidney and urinary tract',
  'cystic kidney disease',
  'early-onset kidney failure',
  'nephrolithiasis',
  'kidney transplant recipients',
] as const;
