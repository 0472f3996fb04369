// The category taxonomy of cash and card transactions: 16 top-level categories, two levels, English
// ids with English and Spanish labels. The institution's own category stays in `bank_category`.
export const taxonomy = {
  income: {
    en: 'Income',
    es: 'Ingresos',
    sub: {
      salary: ['Salary', 'Nómina'],
      pension: ['Pension', 'Pensión'],
      refund: ['Refunds', 'Devoluciones'],
      interest: ['Interest and dividends', 'Intereses y dividendos'],
      transfer_in: ['Transfers received', 'Transferencias recibidas'],
    },
  },
  housing: {
    en: 'Housing',
    es: 'Vivienda',
    sub: {
      rent: ['Rent', 'Alquiler'],
      mortgage: ['Mortgage', 'Hipoteca'],
      community: ['Community fees', 'Comunidad'],
      maintenance: ['Repairs and maintenance', 'Reparaciones'],
    },
  },
  utilities: {
    en: 'Utilities',
    es: 'Suministros',
    sub: {
      electricity: ['Electricity', 'Luz'],
      gas: ['Gas', 'Gas'],
      water: ['Water', 'Agua'],
      telecom: ['Phone and internet', 'Teléfono e internet'],
    },
  },
  groceries: {
    en: 'Groceries',
    es: 'Alimentación',
    sub: {
      supermarket: ['Supermarkets', 'Supermercados'],
      market: ['Markets and bakeries', 'Mercados y panaderías'],
    },
  },
  eating_out: {
    en: 'Eating out',
    es: 'Restaurantes',
    sub: {
      restaurant: ['Restaurants and bars', 'Restaurantes y bares'],
      coffee: ['Coffee shops', 'Cafeterías'],
      delivery: ['Food delivery', 'Comida a domicilio'],
    },
  },
  transport: {
    en: 'Transport',
    es: 'Transporte',
    sub: {
      fuel: ['Fuel', 'Combustible'],
      public: ['Public transport', 'Transporte público'],
      taxi: ['Taxi and ride-hailing', 'Taxi y VTC'],
      parking: ['Parking and tolls', 'Parking y peajes'],
    },
  },
  shopping: {
    en: 'Shopping',
    es: 'Compras',
    sub: {
      clothing: ['Clothing', 'Ropa'],
      electronics: ['Electronics', 'Electrónica'],
      online: ['Online shopping', 'Compras online'],
      department: ['Department stores', 'Grandes almacenes'],
      home: ['Home and furniture', 'Hogar y muebles'],
    },
  },
  health: {
    en: 'Health',
    es: 'Salud',
    sub: {
      pharmacy: ['Pharmacy', 'Farmacia'],
      medical: ['Doctors and dentists', 'Médicos y dentistas'],
      optics: ['Optics', 'Ópticas'],
    },
  },
  leisure: {
    en: 'Leisure',
    es: 'Ocio',
    sub: {
      subscriptions: ['Streaming and subscriptions', 'Suscripciones'],
      events: ['Cinema and events', 'Cine y espectáculos'],
      sports: ['Sports and gyms', 'Deporte y gimnasios'],
      books: ['Books and games', 'Libros y juegos'],
    },
  },
  travel: {
    en: 'Travel',
    es: 'Viajes',
    sub: {
      flights: ['Flights', 'Vuelos'],
      lodging: ['Hotels and lodging', 'Hoteles y alojamiento'],
      trains: ['Long-distance trains', 'Trenes de larga distancia'],
      car_rental: ['Car rental', 'Alquiler de coches'],
    },
  },
  financial: {
    en: 'Financial',
    es: 'Finanzas',
    sub: {
      fees: ['Bank fees', 'Comisiones bancarias'],
      loan: ['Loan payments', 'Préstamos'],
      investment: ['Investments', 'Inversiones'],
      insurance: ['Insurance', 'Seguros'],
      card_payment: ['Credit card payment', 'Pago de tarjeta'],
    },
  },
  cash: {
    en: 'Cash',
    es: 'Efectivo',
    sub: { atm: ['ATM withdrawals', 'Cajeros'], deposit: ['Cash deposits', 'Ingresos en efectivo'] },
  },
  transfers: {
    en: 'Transfers',
    es: 'Transferencias',
    sub: {
      transfer_out: ['Transfers sent', 'Transferencias enviadas'],
      p2p: ['Bizum and P2P', 'Bizum y pagos entre personas'],
      own_accounts: ['Between own accounts', 'Entre cuentas propias'],
    },
  },
  taxes: {
    en: 'Taxes and public services',
    es: 'Impuestos y administración',
    sub: {
      tax: ['Taxes', 'Impuestos'],
      social_security: ['Social security', 'Seguridad Social'],
      fines: ['Fines and fees', 'Multas y tasas'],
    },
  },
  education: {
    en: 'Education',
    es: 'Educación',
    sub: {
      school: ['Schools and universities', 'Colegios y universidades'],
      courses: ['Courses and academies', 'Cursos y academias'],
    },
  },
  other: { en: 'Other', es: 'Otros', sub: { uncategorized: ['Uncategorized', 'Sin categoría'] } },
} as const;

export type Category = keyof typeof taxonomy;
export type Subcategory<C extends Category = Category> = keyof (typeof taxonomy)[C]['sub'];

/** Every slug of the taxonomy: a top-level category, or a subcategory with its category. */
export interface CategorySlug {
  category: Category;
  subcategory: string | null;
}
export const categorySlugs: ReadonlyMap<string, CategorySlug> = new Map(
  Object.entries(taxonomy).flatMap(
    ([category, entry]): Array<[string, CategorySlug]> => [
      [category, { category: category as Category, subcategory: null }],
      ...Object.keys(entry.sub).map((sub): [string, CategorySlug] => [
        sub,
        { category: category as Category, subcategory: sub },
      ]),
    ],
  ),
);
