/**
 * What the synthetic generator draws from: each crime type with its share of incidents, the
 * descriptions / IUCR / FBI codes it comes with, and how likely an arrest is. Shares and arrest
 * rates are shaped like the public export's (narcotics almost always end in arrest, thefts rarely);
 * they are synthetic, not measured.
 */
export interface CrimeType {
  readonly primaryType: string;
  readonly share: number;
  /** Log-odds of an arrest for this type before place and time adjust it. */
  readonly arrestLogOdds: number;
  readonly fbiCode: string;
  readonly variants: readonly { readonly iucr: string; readonly description: string }[];
}

export const CRIME_TYPES: readonly CrimeType[] = [
  {
    primaryType: 'THEFT',
    share: 21,
    arrestLogOdds: -2.3,
    fbiCode: '06',
    variants: [
      { iucr: '0820', description: '$500 AND UNDER' },
      { iucr: '0810', description: 'OVER $500' },
      { iucr: '0860', description: 'RETAIL THEFT' },
      { iucr: '0890', description: 'FROM BUILDING' },
    ],
  },
  {
    primaryType: 'BATTERY',
    share: 18,
    arrestLogOdds: -1.5,
    fbiCode: '08B',
    variants: [
      { iucr: '0486', description: 'DOMESTIC BATTERY SIMPLE' },
      { iucr: '0460', description: 'SIMPLE' },
      { iucr: '041A', description: 'AGGRAVATED: HANDGUN' },
    ],
  },
  {
    primaryType: 'CRIMINAL DAMAGE',
    share: 11,
    arrestLogOdds: -2.6,
    fbiCode: '14',
    variants: [
      { iucr: '1320', description: 'TO VEHICLE' },
      { iucr: '1310', description: 'TO PROPERTY' },
    ],
  },
  {
    primaryType: 'NARCOTICS',
    share: 9,
    arrestLogOdds: 3.5,
    fbiCode: '18',
    variants: [
      { iucr: '2027', description: 'POSS: CRACK' },
      { iucr: '1811', description: 'POSS: CANNABIS 30GMS OR LESS' },
      { iucr: '2024', description: 'POSS: HEROIN(WHITE)' },
    ],
  },
  {
    primaryType: 'ASSAULT',
    share: 7,
    arrestLogOdds: -1.6,
    fbiCode: '08A',
    variants: [
      { iucr: '0560', description: 'SIMPLE' },
      { iucr: '051A', description: 'AGGRAVATED: HANDGUN' },
    ],
  },
  {
    primaryType: 'OTHER OFFENSE',
    share: 6,
    arrestLogOdds: -1.2,
    fbiCode: '26',
    variants: [
      { iucr: '2826', description: 'HARASSMENT BY ELECTRONIC MEANS' },
      { iucr: '4387', description: 'VIOLATE ORDER OF PROTECTION' },
    ],
  },
  {
    primaryType: 'BURGLARY',
    share: 5,
    arrestLogOdds: -2.8,
    fbiCode: '05',
    variants: [
      { iucr: '0610', description: 'FORCIBLE ENTRY' },
      { iucr: '0620', description: 'UNLAWFUL ENTRY' },
    ],
  },
  {
    primaryType: 'MOTOR VEHICLE THEFT',
    share: 5,
    arrestLogOdds: -2.5,
    fbiCode: '07',
    variants: [{ iucr: '0910', description: 'AUTOMOBILE' }],
  },
  {
    primaryType: 'DECEPTIVE PRACTICE',
    share: 4,
    arrestLogOdds: -2.2,
    fbiCode: '11',
    variants: [
      { iucr: '1153', description: 'FINANCIAL IDENTITY THEFT OVER $ 300' },
      { iucr: '1120', description: 'FORGERY' },
    ],
  },
  {
    primaryType: 'ROBBERY',
    share: 4,
    arrestLogOdds: -2.0,
    fbiCode: '03',
    variants: [
      { iucr: '031A', description: 'ARMED: HANDGUN' },
      { iucr: '0320', description: 'STRONGARM - NO WEAPON' },
    ],
  },
  {
    primaryType: 'CRIMINAL TRESPASS',
    share: 2.5,
    arrestLogOdds: 0.9,
    fbiCode: '26',
    variants: [{ iucr: '1330', description: 'TO LAND' }],
  },
  {
    primaryType: 'WEAPONS VIOLATION',
    share: 2,
    arrestLogOdds: 1.4,
    fbiCode: '15',
    variants: [
      { iucr: '143A', description: 'UNLAWFUL POSS OF HANDGUN' },
      { iucr: '141A', description: 'UNLAWFUL USE HANDGUN' },
    ],
  },
  {
    primaryType: 'PROSTITUTION',
    share: 0.8,
    arrestLogOdds: 4.0,
    fbiCode: '16',
    variants: [{ iucr: '1512', description: 'SOLICIT FOR BUSINESS' }],
  },
  {
    primaryType: 'OFFENSE INVOLVING CHILDREN',
    share: 0.9,
    arrestLogOdds: -1.4,
    fbiCode: '20',
    variants: [{ iucr: '1750', description: 'CHILD ABUSE' }],
  },
  {
    primaryType: 'PUBLIC PEACE VIOLATION',
    share: 0.8,
    arrestLogOdds: 0.5,
    fbiCode: '24',
    variants: [{ iucr: '2820', description: 'TELEPHONE THREAT' }],
  },
  {
    primaryType: 'INTERFERENCE WITH PUBLIC OFFICER',
    share: 0.4,
    arrestLogOdds: 3.0,
    fbiCode: '24',
    variants: [{ iucr: '3731', description: 'OBSTRUCTING IDENTIFICATION' }],
  },
  {
    primaryType: 'LIQUOR LAW VIOLATION',
    share: 0.2,
    arrestLogOdds: 2.5,
    fbiCode: '22',
    variants: [{ iucr: '2230', description: 'ILLEGAL CONSUMPTION BY MINOR' }],
  },
  {
    primaryType: 'HOMICIDE',
    share: 0.1,
    arrestLogOdds: -0.5,
    fbiCode: '01A',
    variants: [{ iucr: '0110', description: 'FIRST DEGREE MURDER' }],
  },
  {
    primaryType: 'GAMBLING',
    share: 0.1,
    arrestLogOdds: 4.2,
    fbiCode: '19',
    variants: [{ iucr: '1661', description: 'GAME/DICE' }],
  },
];

/** Crime types real exports contain but the model's vocabulary does not: they must score as unknown. */
export const UNSEEN_PRIMARY_TYPES = ['DOMESTIC VIOLENCE', 'CANNABIS VIOLATION'] as const;

/** Places with their share and how they move the arrest log-odds (police see what happens there). */
export const PLACES: readonly {
  readonly description: string;
  readonly share: number;
  readonly effect: number;
}[] = [
  { description: 'STREET', share: 24, effect: -0.2 },
  { description: 'RESIDENCE', share: 16, effect: -0.4 },
  { description: 'APARTMENT', share: 12, effect: -0.3 },
  { description: 'SIDEWALK', share: 9, effect: 0.5 },
  { description: 'OTHER', share: 4, effect: 0 },
  { description: 'PARKING LOT/GARAGE(NON.RESID.)', share: 3, effect: -0.3 },
  { description: 'ALLEY', share: 2.5, effect: 0.4 },
  { description: 'SMALL RETAIL STORE', share: 2.5, effect: 0.6 },
  { description: 'RESTAURANT', share: 2, effect: -0.2 },
  { description: 'DEPARTMENT STORE', share: 1.5, effect: 1.2 },
  { description: 'GROCERY FOOD STORE', share: 1.5, effect: 1.0 },
  { description: 'GAS STATION', share: 1.2, effect: 0.3 },
  { description: 'SCHOOL, PUBLIC, BUILDING', share: 1.2, effect: 0.7 },
  { description: 'CTA TRAIN', share: 0.8, effect: 0.8 },
  { description: 'CTA PLATFORM', share: 0.8, effect: 0.9 },
  { description: 'PARK PROPERTY', share: 0.8, effect: 0.4 },
  { description: 'BAR OR TAVERN', share: 0.5, effect: 0.3 },
  { description: 'POLICE FACILITY / VEHICLE PARKING LOT', share: 0.3, effect: 2.5 },
  { description: 'HOTEL / MOTEL', share: 0.5, effect: 0.1 },
  { description: 'VACANT LOT / LAND', share: 0.5, effect: 0.6 },
];

/** Places real exports contain but the model's vocabulary does not. */
export const UNSEEN_PLACES = ['DRIVEWAY - RESIDENTIAL', 'CTA "L" PLATFORM', 'HOUSE'] as const;

/** Police districts with the centre of their area and how they move the arrest log-odds. */
export const DISTRICTS: readonly {
  readonly district: number;
  readonly latitude: number;
  readonly longitude: number;
  readonly effect: number;
}[] = [
  { district: 1, latitude: 41.88, longitude: -87.63, effect: 0.4 },
  { district: 2, latitude: 41.82, longitude: -87.62, effect: 0.1 },
  { district: 3, latitude: 41.77, longitude: -87.6, effect: 0 },
  { district: 4, latitude: 41.73, longitude: -87.56, effect: -0.1 },
  { district: 5, latitude: 41.69, longitude: -87.62, effect: -0.1 },
  { district: 6, latitude: 41.75, longitude: -87.64, effect: 0 },
  { district: 7, latitude: 41.78, longitude: -87.66, effect: 0.2 },
  { district: 8, latitude: 41.78, longitude: -87.72, effect: -0.3 },
  { district: 9, latitude: 41.82, longitude: -87.67, effect: 0 },
  { district: 10, latitude: 41.85, longitude: -87.71, effect: 0.3 },
  { district: 11, latitude: 41.88, longitude: -87.72, effect: 0.7 },
  { district: 12, latitude: 41.87, longitude: -87.67, effect: -0.1 },
  { district: 14, latitude: 41.92, longitude: -87.7, effect: -0.4 },
  { district: 15, latitude: 41.89, longitude: -87.76, effect: 0.5 },
  { district: 16, latitude: 41.97, longitude: -87.8, effect: -0.5 },
  { district: 17, latitude: 41.96, longitude: -87.72, effect: -0.4 },
  { district: 18, latitude: 41.9, longitude: -87.63, effect: -0.2 },
  { district: 19, latitude: 41.94, longitude: -87.66, effect: -0.4 },
  { district: 20, latitude: 41.98, longitude: -87.67, effect: -0.3 },
  { district: 22, latitude: 41.7, longitude: -87.67, effect: -0.2 },
  { district: 24, latitude: 42.0, longitude: -87.67, effect: -0.3 },
  { district: 25, latitude: 41.92, longitude: -87.76, effect: 0.1 },
];

/** Street names used in Block values. */
export const STREETS = [
  'W OHIO ST',
  'S STATE ST',
  'N MICHIGAN AVE',
  'W MADISON ST',
  'S HALSTED ST',
  'W 63RD ST',
  'N CLARK ST',
  'S COTTAGE GROVE AVE',
  'W CHICAGO AVE',
  'N MILWAUKEE AVE',
] as const;
