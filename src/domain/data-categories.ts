/** Data categories (mapped to DPV pd: concepts) and the default field dictionary. */
export interface DataCategory {
  readonly id: string;
  readonly label: string;
  readonly dpv: string;
  readonly special: boolean;
  readonly child: boolean;
}

const PD = 'https://w3id.org/dpv/pd#';

export const DATA_CATEGORIES: readonly DataCategory[] = [
  { id: 'name', label: 'Name', dpv: `${PD}Name`, special: false, child: false },
  { id: 'email', label: 'Email address', dpv: `${PD}EmailAddress`, special: false, child: false },
  { id: 'phone', label: 'Telephone number', dpv: `${PD}TelephoneNumber`, special: false, child: false },
  { id: 'address', label: 'Home address', dpv: `${PD}PhysicalAddress`, special: false, child: false },
  { id: 'postcode', label: 'Postcode', dpv: `${PD}PostalCode`, special: false, child: false },
  { id: 'birth-date', label: 'Date of birth', dpv: `${PD}BirthDate`, special: false, child: false },
  { id: 'child-birth-date', label: "Child's date of birth", dpv: `${PD}BirthDate`, special: false, child: true },
  { id: 'family', label: 'Family structure', dpv: `${PD}FamilyStructure`, special: false, child: false },
  { id: 'political-opinion', label: 'Political opinion', dpv: `${PD}PoliticalOpinion`, special: true, child: false },
  { id: 'political-opinion-inferred', label: 'Political opinion (inferred)', dpv: `${PD}PoliticalOpinion`, special: true, child: false },
  { id: 'health', label: 'Health', dpv: `${PD}Health`, special: true, child: false },
];

const BY_ID = new Map(DATA_CATEGORIES.map((c) => [c.id, c]));

export function categoryById(id: string): DataCategory | undefined {
  return BY_ID.get(id);
}

/** Default mapping of field names (as in files and transfer requests) to categories. */
export const FIELD_CATEGORIES: Readonly<Record<string, string>> = {
  name: 'name',
  first_name: 'name',
  last_name: 'name',
  email: 'email',
  phone: 'phone',
  address: 'address',
  postcode: 'postcode',
  dob: 'birth-date',
  mother_dob: 'birth-date',
  child_dob: 'child-birth-date',
  children: 'family',
  political_opinion: 'political-opinion',
  political_score: 'political-opinion-inferred',
  health: 'health',
};

export function fieldCategory(field: string): DataCategory | undefined {
  const id = FIELD_CATEGORIES[field];
  return id === undefined ? undefined : BY_ID.get(id);
}
