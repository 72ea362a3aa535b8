/** The columns of the City of Chicago "Crimes - 2001 to Present" export, in export order. */
export const EXPORT_COLUMNS = [
  'ID',
  'Case Number',
  'Date',
  'Block',
  'IUCR',
  'Primary Type',
  'Description',
  'Location Description',
  'Arrest',
  'Domestic',
  'Beat',
  'District',
  'Ward',
  'Community Area',
  'FBI Code',
  'X Coordinate',
  'Y Coordinate',
  'Year',
  'Updated On',
  'Latitude',
  'Longitude',
  'Location',
] as const;

export type ExportColumn = (typeof EXPORT_COLUMNS)[number];

/**
 * Columns the model reads. A file for scoring must have these (in any order); every other export
 * column, `Arrest` included, may be absent.
 */
export const FEATURE_COLUMNS = [
  'ID',
  'Date',
  'Primary Type',
  'Location Description',
  'Domestic',
  'Beat',
  'District',
  'Ward',
  'Community Area',
  'FBI Code',
  'Latitude',
  'Longitude',
] as const satisfies readonly ExportColumn[];

export type FeatureColumn = (typeof FEATURE_COLUMNS)[number];
