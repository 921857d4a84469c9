/**
 * Invented addresses from real ingredients: common UK street names and suffixes, and real towns
 * with a postcode area and a plausible range of districts in that area.
 */

export interface Town {
  readonly name: string;
  /** Postcode area, e.g. "LS". */
  readonly area: string;
  /** Inclusive range of district numbers used for this town, e.g. LS1–LS29. */
  readonly districts: readonly [number, number];
  /** Relative population weight: 3 city, 2 large town, 1 town. */
  readonly weight: number;
}

type Row = readonly [string, string, number, number, number];

const ROWS: readonly Row[] = [
  ['London', 'E', 1, 18, 3], ['London', 'N', 1, 22, 3], ['London', 'SE', 1, 28, 3], ['London', 'SW', 1, 20, 3],
  ['London', 'NW', 1, 11, 3], ['London', 'W', 3, 14, 2],
  ['Croydon', 'CR', 0, 8, 2], ['Bromley', 'BR', 1, 7, 2], ['Ilford', 'IG', 1, 11, 2], ['Romford', 'RM', 1, 14, 2],
  ['Harrow', 'HA', 1, 3, 1], ['Wembley', 'HA', 0, 9, 1], ['Enfield', 'EN', 1, 3, 1], ['Sutton', 'SM', 1, 3, 1],
  ['Twickenham', 'TW', 1, 2, 1], ['Uxbridge', 'UB', 8, 10, 1], ['Kingston upon Thames', 'KT', 1, 2, 1],
  ['Birmingham', 'B', 1, 48, 3], ['Solihull', 'B', 90, 94, 2], ['Sutton Coldfield', 'B', 72, 76, 1],
  ['West Bromwich', 'B', 70, 71, 1], ['Tamworth', 'B', 77, 79, 1], ['Redditch', 'B', 97, 98, 1],
  ['Manchester', 'M', 1, 40, 3], ['Salford', 'M', 3, 7, 2], ['Sale', 'M', 33, 33, 1], ['Stockport', 'SK', 1, 8, 2],
  ['Oldham', 'OL', 1, 9, 2], ['Rochdale', 'OL', 11, 16, 2], ['Bolton', 'BL', 1, 6, 2], ['Bury', 'BL', 8, 9, 1],
  ['Wigan', 'WN', 1, 6, 2], ['Warrington', 'WA', 1, 5, 2], ['Altrincham', 'WA', 14, 15, 1], ['St Helens', 'WA', 9, 11, 1],
  ['Runcorn', 'WA', 7, 7, 1], ['Widnes', 'WA', 8, 8, 1],
  ['Liverpool', 'L', 1, 38, 3], ['Birkenhead', 'CH', 41, 43, 2], ['Southport', 'PR', 8, 9, 1], ['Chester', 'CH', 1, 4, 1],
  ['Ellesmere Port', 'CH', 65, 66, 1], ['Crewe', 'CW', 1, 2, 1], ['Northwich', 'CW', 8, 9, 1], ['Macclesfield', 'SK', 10, 11, 1],
  ['Preston', 'PR', 1, 5, 2], ['Chorley', 'PR', 6, 7, 1], ['Blackburn', 'BB', 1, 2, 2], ['Burnley', 'BB', 10, 12, 1],
  ['Accrington', 'BB', 5, 5, 1], ['Blackpool', 'FY', 1, 4, 2], ['Lancaster', 'LA', 1, 2, 1], ['Kendal', 'LA', 9, 9, 1],
  ['Barrow-in-Furness', 'LA', 13, 14, 1], ['Carlisle', 'CA', 1, 3, 1],
  ['Leeds', 'LS', 1, 29, 3], ['Bradford', 'BD', 1, 15, 3], ['Keighley', 'BD', 20, 22, 1], ['Skipton', 'BD', 23, 23, 1],
  ['Huddersfield', 'HD', 1, 9, 2], ['Halifax', 'HX', 1, 7, 2], ['Wakefield', 'WF', 1, 6, 2], ['Dewsbury', 'WF', 12, 13, 1],
  ['Pontefract', 'WF', 8, 9, 1], ['Castleford', 'WF', 10, 10, 1], ['Harrogate', 'HG', 1, 3, 1], ['Ripon', 'HG', 4, 4, 1],
  ['York', 'YO', 10, 32, 2], ['Scarborough', 'YO', 11, 13, 1], ['Hull', 'HU', 1, 17, 2],
  ['Sheffield', 'S', 1, 35, 3], ['Rotherham', 'S', 60, 66, 2], ['Barnsley', 'S', 70, 75, 2], ['Chesterfield', 'S', 40, 45, 1],
  ['Doncaster', 'DN', 1, 5, 2], ['Grimsby', 'DN', 31, 34, 1], ['Scunthorpe', 'DN', 15, 17, 1],
  ['Newcastle upon Tyne', 'NE', 1, 15, 3], ['Gateshead', 'NE', 8, 11, 2], ['South Shields', 'NE', 33, 34, 1],
  ['Blyth', 'NE', 24, 24, 1], ['Sunderland', 'SR', 1, 6, 2], ['Durham', 'DH', 1, 7, 1], ['Darlington', 'DL', 1, 3, 1],
  ['Middlesbrough', 'TS', 1, 9, 2], ['Stockton-on-Tees', 'TS', 17, 21, 1], ['Hartlepool', 'TS', 24, 27, 1],
  ['Nottingham', 'NG', 1, 17, 3], ['Mansfield', 'NG', 18, 21, 1], ['Newark', 'NG', 22, 24, 1], ['Grantham', 'NG', 31, 33, 1],
  ['Derby', 'DE', 21, 24, 2], ['Burton upon Trent', 'DE', 13, 15, 1], ['Leicester', 'LE', 1, 5, 3],
  ['Loughborough', 'LE', 11, 12, 1], ['Lincoln', 'LN', 1, 6, 1], ['Boston', 'PE', 21, 22, 1],
  ['Northampton', 'NN', 1, 7, 2], ['Kettering', 'NN', 14, 16, 1], ['Corby', 'NN', 17, 18, 1], ['Wellingborough', 'NN', 8, 9, 1],
  ['Coventry', 'CV', 1, 6, 2], ['Nuneaton', 'CV', 10, 11, 1], ['Rugby', 'CV', 21, 23, 1], ['Leamington Spa', 'CV', 31, 32, 1],
  ['Wolverhampton', 'WV', 1, 14, 2], ['Walsall', 'WS', 1, 9, 2], ['Cannock', 'WS', 11, 12, 1], ['Lichfield', 'WS', 13, 14, 1],
  ['Dudley', 'DY', 1, 3, 2], ['Kidderminster', 'DY', 10, 11, 1], ['Stoke-on-Trent', 'ST', 1, 12, 2], ['Stafford', 'ST', 16, 18, 1],
  ['Telford', 'TF', 1, 7, 1], ['Shrewsbury', 'SY', 1, 5, 1], ['Hereford', 'HR', 1, 4, 1], ['Worcester', 'WR', 1, 5, 1],
  ['Gloucester', 'GL', 1, 4, 1], ['Cheltenham', 'GL', 50, 53, 1], ['Stroud', 'GL', 5, 6, 1],
  ['Bristol', 'BS', 1, 16, 3], ['Bath', 'BA', 1, 2, 1], ['Yeovil', 'BA', 20, 22, 1], ['Taunton', 'TA', 1, 3, 1],
  ['Swindon', 'SN', 1, 5, 2], ['Salisbury', 'SP', 1, 2, 1], ['Andover', 'SP', 10, 11, 1],
  ['Exeter', 'EX', 1, 4, 1], ['Exmouth', 'EX', 8, 8, 1], ['Barnstaple', 'EX', 31, 32, 1], ['Plymouth', 'PL', 1, 9, 2],
  ['St Austell', 'PL', 25, 26, 1], ['Torquay', 'TQ', 1, 2, 1], ['Truro', 'TR', 1, 4, 1], ['Penzance', 'TR', 18, 20, 1],
  ['Bournemouth', 'BH', 1, 11, 2], ['Poole', 'BH', 12, 17, 1], ['Weymouth', 'DT', 3, 4, 1],
  ['Southampton', 'SO', 14, 19, 2], ['Eastleigh', 'SO', 50, 53, 1], ['Winchester', 'SO', 21, 23, 1],
  ['Portsmouth', 'PO', 1, 6, 2], ['Fareham', 'PO', 14, 17, 1], ['Gosport', 'PO', 12, 13, 1], ['Chichester', 'PO', 18, 20, 1],
  ['Bognor Regis', 'PO', 21, 22, 1], ['Brighton', 'BN', 1, 3, 2], ['Worthing', 'BN', 11, 14, 1], ['Eastbourne', 'BN', 20, 23, 1],
  ['Hastings', 'TN', 34, 35, 1], ['Tunbridge Wells', 'TN', 1, 4, 1], ['Ashford', 'TN', 23, 27, 1], ['Sevenoaks', 'TN', 13, 15, 1],
  ['Crawley', 'RH', 10, 11, 1], ['Horsham', 'RH', 12, 13, 1], ['Guildford', 'GU', 1, 4, 1], ['Woking', 'GU', 21, 22, 1],
  ['Farnborough', 'GU', 14, 14, 1], ['Reading', 'RG', 1, 6, 2], ['Basingstoke', 'RG', 21, 24, 1], ['Bracknell', 'RG', 12, 12, 1],
  ['Newbury', 'RG', 14, 14, 1], ['Slough', 'SL', 1, 3, 1], ['Maidenhead', 'SL', 6, 6, 1], ['Oxford', 'OX', 1, 4, 1],
  ['Banbury', 'OX', 15, 17, 1], ['Milton Keynes', 'MK', 1, 19, 2], ['Bedford', 'MK', 40, 45, 1], ['Luton', 'LU', 1, 4, 2],
  ['High Wycombe', 'HP', 10, 13, 1], ['Aylesbury', 'HP', 17, 22, 1], ['Hemel Hempstead', 'HP', 1, 3, 1],
  ['St Albans', 'AL', 1, 4, 1], ['Stevenage', 'SG', 1, 2, 1], ['Watford', 'WD', 17, 25, 1],
  ['Chelmsford', 'CM', 1, 3, 1], ['Harlow', 'CM', 17, 20, 1], ['Colchester', 'CO', 1, 4, 1], ['Southend-on-Sea', 'SS', 0, 3, 2],
  ['Basildon', 'SS', 13, 16, 1], ['Maidstone', 'ME', 14, 17, 1], ['Chatham', 'ME', 4, 5, 1], ['Gillingham', 'ME', 7, 8, 1],
  ['Dartford', 'DA', 1, 2, 1], ['Gravesend', 'DA', 11, 13, 1], ['Canterbury', 'CT', 1, 2, 1], ['Margate', 'CT', 9, 9, 1],
  ['Folkestone', 'CT', 18, 20, 1], ['Dover', 'CT', 15, 17, 1],
  ['Cambridge', 'CB', 1, 5, 1], ['Peterborough', 'PE', 1, 7, 2], ['Huntingdon', 'PE', 28, 29, 1], ["King's Lynn", 'PE', 30, 34, 1],
  ['Norwich', 'NR', 1, 14, 2], ['Great Yarmouth', 'NR', 29, 31, 1], ['Lowestoft', 'NR', 32, 33, 1], ['Ipswich', 'IP', 1, 5, 2],
  ['Bury St Edmunds', 'IP', 28, 33, 1],
  ['Cardiff', 'CF', 10, 24, 3], ['Bridgend', 'CF', 31, 35, 1], ['Merthyr Tydfil', 'CF', 47, 48, 1], ['Newport', 'NP', 10, 20, 2],
  ['Swansea', 'SA', 1, 8, 2], ['Llanelli', 'SA', 14, 15, 1], ['Carmarthen', 'SA', 31, 33, 1], ['Aberystwyth', 'SY', 23, 23, 1],
  ['Wrexham', 'LL', 11, 14, 1], ['Bangor', 'LL', 57, 57, 1], ['Rhyl', 'LL', 18, 18, 1], ['Llandudno', 'LL', 30, 30, 1],
  ['Glasgow', 'G', 1, 53, 3], ['East Kilbride', 'G', 74, 75, 1], ['Cumbernauld', 'G', 67, 68, 1], ['Paisley', 'PA', 1, 3, 1],
  ['Edinburgh', 'EH', 1, 17, 3], ['Livingston', 'EH', 53, 54, 1], ['Aberdeen', 'AB', 10, 16, 2], ['Dundee', 'DD', 1, 5, 2],
  ['Inverness', 'IV', 1, 3, 1], ['Stirling', 'FK', 7, 9, 1], ['Falkirk', 'FK', 1, 2, 1], ['Perth', 'PH', 1, 2, 1],
  ['Kilmarnock', 'KA', 1, 3, 1], ['Ayr', 'KA', 7, 8, 1], ['Dunfermline', 'KY', 11, 12, 1], ['Kirkcaldy', 'KY', 1, 2, 1],
  ['Motherwell', 'ML', 1, 1, 1], ['Hamilton', 'ML', 3, 3, 1], ['Dumfries', 'DG', 1, 2, 1],
  ['Belfast', 'BT', 1, 17, 3], ['Lisburn', 'BT', 27, 28, 1], ['Newry', 'BT', 34, 35, 1], ['Londonderry', 'BT', 47, 48, 1],
  ['Ballymena', 'BT', 42, 43, 1], ['Coleraine', 'BT', 51, 52, 1],
];

export const TOWNS: readonly Town[] = ROWS.map(([name, area, from, to, weight]) => ({
  name,
  area,
  districts: [from, to] as const,
  weight,
}));

export const STREET_NAMES: readonly string[] = [
  'High', 'Station', 'Main', 'Park', 'Church', 'London', 'Victoria', 'Green', 'Manor', 'Kings',
  'Queens', 'Grange', 'Mill', 'New', 'School', 'North', 'South', 'West', 'East', 'Springfield',
  'George', 'Albert', 'Windsor', 'York', 'Alexandra', 'Highfield', 'Chestnut', 'Oak', 'Elm', 'Beech',
  'Ash', 'Willow', 'Cedar', 'Maple', 'Orchard', 'Meadow', 'Richmond', 'Stanley', 'Clarence', 'Nelson',
  'Cambridge', 'Oxford', 'Warwick', 'Chester', 'Lancaster', 'Grosvenor', 'Trinity', 'St Johns', 'St Marys', 'Mount',
  'Hill', 'Brook', 'Bridge', 'Castle', 'Market', 'Chapel', 'Farm', 'Woodland', 'Forest', 'Heath',
  'Moor', 'Riverside', 'Lakeside', 'Hawthorn', 'Holly', 'Rowan', 'Laburnum', 'Sycamore', 'Poplar', 'Lime',
  'Birch', 'Hazel', 'Primrose', 'Bluebell', 'Lavender', 'Cherry', 'Plum', 'Spring', 'Kingsway', 'Belmont',
  'Fairfield', 'Westfield', 'Northfield', 'Southfield', 'Broadway', 'Coronation', 'Jubilee', 'Princes', 'Wellington', 'Marlborough',
  'Devonshire', 'Salisbury', 'Stafford', 'Derwent', 'Severn', 'Thames', 'Tennyson', 'Shakespeare', 'Milton', 'Darwin',
];

export const STREET_SUFFIXES: readonly string[] = [
  'Road', 'Street', 'Close', 'Avenue', 'Lane', 'Drive', 'Way', 'Gardens', 'Crescent', 'Grove', 'Place', 'Court', 'Terrace',
];
/** Relative frequency of each suffix (Road and Street dominate). */
export const STREET_SUFFIX_WEIGHTS: readonly number[] = [30, 20, 12, 12, 10, 8, 5, 5, 5, 4, 3, 3, 3];

/** Letters allowed in the final two characters of a UK postcode (no C, I, K, M, O, V). */
export const POSTCODE_UNIT_LETTERS = 'ABDEFGHJLNPQRSTUWXYZ';

/** Outward code + space + sector digit + two unit letters, e.g. "LS6 2AB". */
export const UK_POSTCODE_RE = /^[A-Z]{1,2}[0-9][0-9A-Z]? [0-9][ABD-HJLNP-UW-Z]{2}$/;
