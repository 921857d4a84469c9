/**
 * Common UK given names of women born 1972–2000 and common UK surnames, most frequent first.
 * Registrants are drawn from these with a rank-skewed weight; no real person is described.
 */

export const FIRST_NAMES: readonly string[] = [
  'Sarah', 'Emma', 'Laura', 'Rebecca', 'Gemma', 'Claire', 'Hannah', 'Amy', 'Jessica', 'Lauren',
  'Charlotte', 'Sophie', 'Katie', 'Rachel', 'Nicola', 'Kirsty', 'Danielle', 'Stacey', 'Leanne', 'Jade',
  'Natalie', 'Zoe', 'Louise', 'Lisa', 'Michelle', 'Kelly', 'Samantha', 'Victoria', 'Amanda', 'Joanne',
  'Helen', 'Kerry', 'Jennifer', 'Stephanie', 'Hayley', 'Chloe', 'Lucy', 'Holly', 'Georgia', 'Megan',
  'Bethany', 'Abigail', 'Eleanor', 'Olivia', 'Ellie', 'Amber', 'Shannon', 'Jodie', 'Kayleigh', 'Melissa',
  'Catherine', 'Elizabeth', 'Anna', 'Jenna', 'Carly', 'Lindsey', 'Donna', 'Emily', 'Alice', 'Harriet',
  'Fiona', 'Julie', 'Karen', 'Kimberley', 'Jasmine', 'Aimee', 'Naomi', 'Rachael', 'Kate', 'Katherine',
  'Alexandra', 'Sian', 'Rhiannon', 'Ffion', 'Siobhan', 'Aisha', 'Fatima', 'Priya', 'Nadia', 'Ayesha',
  'Zara', 'Sana', 'Amina', 'Yasmin', 'Mary', 'Lynsey', 'Toni', 'Natasha', 'Cheryl', 'Tracey',
  'Jemma', 'Vicky', 'Hollie', 'Paige', 'Sadie', 'Leah', 'Joanna', 'Lorna', 'Gillian', 'Caroline',
  'Heather', 'Ruth', 'Sally', 'Sharon', 'Angela', 'Deborah', 'Jane', 'Alison', 'Susan', 'Kathryn',
  'Gemma-Louise', 'Mairead', 'Niamh', 'Aoife', 'Ciara', 'Eilidh', 'Morag', 'Catriona', 'Iona', 'Shona',
  'Agnieszka', 'Joanna-Marie', 'Roxanne', 'Lydia', 'Esther', 'Grace', 'Imogen', 'Freya', 'Martha', 'Phoebe',
];

export const SURNAMES: readonly string[] = [
  'Smith', 'Jones', 'Williams', 'Taylor', 'Brown', 'Davies', 'Evans', 'Wilson', 'Thomas', 'Johnson',
  'Roberts', 'Robinson', 'Thompson', 'Wright', 'Walker', 'White', 'Edwards', 'Hughes', 'Green', 'Hall',
  'Lewis', 'Harris', 'Clarke', 'Patel', 'Jackson', 'Wood', 'Turner', 'Martin', 'Cooper', 'Hill',
  'Ward', 'Morris', 'Moore', 'Clark', 'Lee', 'King', 'Baker', 'Harrison', 'Morgan', 'Allen',
  'James', 'Scott', 'Phillips', 'Watson', 'Davis', 'Parker', 'Price', 'Bennett', 'Young', 'Griffiths',
  'Mitchell', 'Kelly', 'Cook', 'Carter', 'Richardson', 'Bailey', 'Collins', 'Bell', 'Shaw', 'Murphy',
  'Miller', 'Cox', 'Richards', 'Khan', 'Marshall', 'Anderson', 'Simpson', 'Ellis', 'Adams', 'Singh',
  'Begum', 'Wilkinson', 'Foster', 'Chapman', 'Powell', 'Webb', 'Rogers', 'Gray', 'Mason', 'Ali',
  'Hunt', 'Hussain', 'Campbell', 'Matthews', 'Owen', 'Palmer', 'Holmes', 'Mills', 'Barnes', 'Knight',
  'Lloyd', 'Butler', 'Russell', 'Barker', 'Fisher', 'Stevens', 'Jenkins', 'Murray', 'Dixon', 'Harvey',
  'Graham', 'Pearson', 'Ahmed', 'Fletcher', 'Walsh', 'Kaur', 'Gibson', 'Howard', 'Andrews', 'Stewart',
  'Elliott', 'Reynolds', 'Saunders', 'Payne', 'Fox', 'Ford', 'Pearce', 'Day', 'Brooks', 'West',
  'Lawrence', 'Cole', 'Atkinson', 'Bradley', 'Spencer', 'Gill', 'Dawson', 'Ball', 'Burton', "O'Brien",
  'Watts', 'Rose', 'Booth', 'Perry', 'Ryan', 'Grant', 'Wells', 'Armstrong', 'Francis', 'Rees',
  'Hayes', 'Hart', 'Hudson', 'Newman', 'Barrett', 'Webster', 'Hunter', 'Gregory', 'Carr', 'Lowe',
  'Page', 'Marsh', 'Riley', 'Dunn', 'Woods', 'Parsons', 'Berry', 'Stone', 'Reid', 'Holland',
  'Hawkins', 'Harding', 'Porter', 'Robertson', 'Newton', 'Oliver', 'Reed', 'Kennedy', 'Williamson', 'Bird',
  'Gardner', 'Shah', 'Dean', 'Lane', 'Cooke', 'Bates', 'Henderson', 'Parry', 'Burgess', 'Bishop',
  'Walton', 'Burns', 'Nicholson', 'Shepherd', 'Ross', 'Cross', 'Long', 'Freeman', 'Warren', 'Nicholls',
  'Hamilton', 'Byrne', 'Sutton', 'McDonald', 'Yates', 'Hodgson', 'Robson', 'Curtis', 'Hopkins', "O'Connor",
  'Harper', 'Coleman', 'Watkins', 'Moss', 'McCarthy', 'Chambers', "O'Neill", 'Griffin', 'Sharp', 'Hardy',
  'Wheeler', 'Potter', 'Osborne', 'Johnston', 'Gordon', 'Doyle', 'Wallace', 'George', 'Jordan', 'Hutchinson',
  'Rowe', 'Burke', 'May', 'Pritchard', 'Gilbert', 'Willis', 'Higgins', 'Read', 'Miles', 'Stevenson',
  'Stephenson', 'Hammond', 'Arnold', 'Buckley', 'Walters', 'Hewitt', 'Barber', 'Nelson', 'Slater', 'Austin',
  'Sullivan', 'Whitehead', 'Mann', 'Frost', 'Lambert', 'Stephens', 'Blake', 'Akhtar', 'Lynch', 'Goodwin',
  'Barton', 'Woodward', 'Thomson', 'Cunningham', 'Quinn', 'Barnett', 'Baxter', 'Bibi', 'Clayton', 'Nash',
  'Greenwood', 'Jennings', 'Holt', 'Kemp', 'Poole', 'Gallagher', 'Bond', 'Stokes', 'Tucker', 'Davidson',
  'Fowler', 'Heath', 'Norman', 'Middleton', 'Lawson', 'Banks', 'French', 'Stanley', 'Jarvis', 'Gibbs',
  'Ferguson', 'Hayward', 'Carroll', 'Farrell', 'Duncan', 'Humphreys', 'Hale', 'Knowles', 'Hancock', 'MacLeod',
];
