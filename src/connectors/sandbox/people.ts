// The sandbox end user and the people who share their products, all derived from the username.
import { makeDni } from '../../domain/identifiers.ts';
import { cities, firstNames, streets, surnames } from './catalog.ts';
import type { Random } from './random.ts';

export interface Person {
  name: string;
  surname1: string;
  surname2: string;
  fullName: string;
  dni: string;
  birthDate: string;
  gender: 'male' | 'female';
  email: string;
  phone: string;
  address: {
    streetType: string;
    streetName: string;
    streetNumber: string;
    city: string;
    zipCode: string;
    state: string;
  };
}

export function makePerson(random: Random, username: string): Person {
  const index = random.int(0, firstNames.length - 1);
  const name = firstNames[index]!;
  const surname1 = random.pick(surnames);
  const surname2 = random.pick(surnames);
  const [city, zipCode, state] = random.pick(cities);
  const street = random.pick(streets);
  const year = random.int(1960, 2000);
  return {
    name,
    surname1,
    surname2,
    fullName: `${name} ${surname1} ${surname2}`,
    dni: makeDni(random.int(10_000_000, 79_999_999)),
    birthDate: `${year}-${String(random.int(1, 12)).padStart(2, '0')}-${String(random.int(1, 28)).padStart(2, '0')}`,
    // The name lists alternate female and male names.
    gender: index % 2 === 0 ? 'female' : 'male',
    email: `${username.toLowerCase().replaceAll('_', '.')}@example.com`,
    phone: `+34 6${random.int(10, 99)} ${random.int(100, 999)} ${random.int(100, 999)}`,
    address: {
      streetType: street.split(' ')[0]!,
      streetName: street.split(' ').slice(1).join(' '),
      streetNumber: String(random.int(1, 150)),
      city,
      zipCode,
      state,
    },
  };
}
