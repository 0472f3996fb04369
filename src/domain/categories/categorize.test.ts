// Accuracy of the categorisation rules on 200+ realistic descriptions written for this test
// (Spanish bank statements and English ones), measured at the top level. The README reports it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { categorize } from './categorize.ts';
import { type Category, taxonomy } from './taxonomy.ts';

type Case = readonly [
  description: string,
  amount: string,
  expected: Category,
  mcc?: string,
  norma43?: string,
];

const cases: Case[] = [
  // income
  ['NOMINA TECNOLOGIAS DEL MEDITERRANEO SA', '2450.00', 'income'],
  ['ABONO NOMINA MES DE OCTUBRE', '1980.55', 'income'],
  ['TRANSFERENCIA NOMINA ACME CONSULTING SL', '2310.00', 'income'],
  ['SALARY PAYMENT GLOBEX LTD', '3200.00', 'income'],
  ['PAYROLL ACME INC', '4100.00', 'income'],
  ['PENSION JUBILACION INSS', '1250.30', 'income', undefined, '15'],
  ['ABONO PENSION VIUDEDAD', '830.00', 'income'],
  ['LIQUIDACION INTERESES CUENTA AHORRO', '3.21', 'income', undefined, '17'],
  ['INTEREST PAID', '1.05', 'income'],
  ['DIVIDENDO IBERDROLA SA', '45.60', 'income'],
  ['DEVOLUCION COMPRA AMAZON EU', '29.99', 'income'],
  ['REFUND ZARA.COM ORDER 1234', '39.95', 'income'],
  ['TRANSFERENCIA DE MARIA LOPEZ RUIZ', '150.00', 'income', undefined, '04'],
  ['TRANSFER FROM JOHN SMITH', '200.00', 'income'],
  ['ABONO TRANSFERENCIA SEPA DE COMUNIDAD DE BIENES', '320.00', 'income'],
  ['DEVOLUCION RECIBO IBERDROLA', '54.20', 'income'],
  ['REEMBOLSO GASTOS VIAJE EMPRESA', '212.40', 'income'],
  ['FACTORING ABONO CLIENTE 4432', '1200.00', 'income', undefined, '04'],
  // housing
  ['TRANSFERENCIA A FAVOR DE INMOBILIARIA SOL SL ALQUILER VIVIENDA', '-850.00', 'housing'],
  ['RECIBO ALQUILER PISO C/ MAYOR 3', '-720.00', 'housing'],
  ['RENT PAYMENT FLAT 2B', '-1200.00', 'housing'],
  ['CUOTA HIPOTECA PRESTAMO 0042', '-640.21', 'housing'],
  ['MORTGAGE PAYMENT NATIONWIDE', '-980.00', 'housing'],
  ['RECIBO COMUNIDAD DE PROPIETARIOS C/ ALCALA 120', '-65.00', 'housing'],
  ['CDAD PROP AVDA AMERICA 12', '-48.00', 'housing'],
  ['FONTANERIA RAMIREZ REPARACION CALDERA', '-120.00', 'housing'],
  ['CERRAJERO 24H URGENTE', '-95.00', 'housing'],
  ['HOMEOWNERS ASSOCIATION FEE', '-150.00', 'housing'],
  // utilities
  ['RECIBO IBERDROLA CLIENTES SAU', '-62.30', 'utilities', undefined, '03'],
  ['ENDESA ENERGIA RECIBO LUZ', '-48.90', 'utilities'],
  ['NATURGY IBERIA SA RECIBO GAS', '-35.10', 'utilities'],
  ['RECIBO CANAL DE ISABEL II', '-25.21', 'utilities'],
  ['AGUAS DE VALENCIA SA', '-31.45', 'utilities'],
  ['RECIBO TELEFONICA DE ESPAÑA SAU MOVISTAR', '-54.90', 'utilities'],
  ['VODAFONE ESPAÑA SAU FACTURA', '-39.00', 'utilities'],
  ['ORANGE ESPAGNE FIBRA Y MOVIL', '-45.00', 'utilities'],
  ['DIGI SPAIN TELECOM', '-20.00', 'utilities'],
  ['RECIBO HOLALUZ ELECTRICIDAD', '-41.77', 'utilities'],
  ['BRITISH GAS DIRECT DEBIT', '-70.00', 'utilities'],
  ['THAMES WATER', '-38.00', 'utilities'],
  ['BT BROADBAND', '-32.99', 'utilities'],
  ['REPSOL BUTANO BOMBONA', '-19.50', 'utilities'],
  // groceries
  ['COMPRA TARJ. 4548****7310 MERCADONA', '-45.12', 'groceries', '5411', '12'],
  ['MERCADONA AVDA DE AMERICA', '-82.40', 'groceries', '5411'],
  ['CARREFOUR EXPRESS SOL', '-12.35', 'groceries', '5411'],
  ['COMPRA LIDL SUPERMERCADOS', '-33.80', 'groceries'],
  ['DIA RETAIL ESPAÑA', '-9.99', 'groceries'],
  ['ALCAMPO LA VAGUADA', '-120.45', 'groceries'],
  ['EROSKI CITY', '-18.20', 'groceries'],
  ['CONSUM COOP', '-27.60', 'groceries'],
  ['ALDI SUPERMERCADOS', '-41.10', 'groceries'],
  ['TESCO STORES 2314', '-23.45', 'groceries'],
  ["SAINSBURY'S S/MKTS", '-56.70', 'groceries'],
  ['PANADERIA LA ESPIGA', '-3.80', 'groceries'],
  ['FRUTERIA HNOS GARCIA', '-12.00', 'groceries'],
  ['MERCADO DE SAN MIGUEL PUESTO 12', '-15.50', 'groceries'],
  ['SUPERMERCADO EL ARBOL', '-22.10', 'groceries'],
  ['HIPERCOR CASTELLANA ALIMENTACION', '-64.30', 'groceries'],
  ['CARNICERIA JOSE LUIS', '-28.40', 'groceries'],
  // eating out
  ['COMPRA TARJ. GLOVO APP', '-23.40', 'eating_out', '5814'],
  ['JUST EAT ESPAÑA', '-19.90', 'eating_out'],
  ['UBER EATS PEDIDO', '-24.15', 'eating_out'],
  ['DELIVEROO', '-18.75', 'eating_out'],
  ['TELEPIZZA ONLINE', '-21.95', 'eating_out'],
  ['STARBUCKS GRAN VIA', '-5.20', 'eating_out', '5814'],
  ['CAFETERIA EL PUNTO', '-3.40', 'eating_out'],
  ['BAR LA ESQUINA', '-12.00', 'eating_out', '5812'],
  ['RESTAURANTE CASA PACO', '-68.50', 'eating_out'],
  ['VIPS SMART', '-32.10', 'eating_out'],
  ['MCDONALDS PRINCIPE PIO', '-11.45', 'eating_out'],
  ['BURGER KING 0234', '-9.80', 'eating_out'],
  ['100 MONTADITOS SOL', '-14.00', 'eating_out'],
  ['TABERNA LA DOLORES', '-22.00', 'eating_out'],
  ['PIZZERIA NAPOLI', '-27.50', 'eating_out'],
  ['SUSHI YA', '-31.20', 'eating_out'],
  ['PRET A MANGER LONDON', '-8.40', 'eating_out', '5814'],
  ['THE RED LION PUB', '-16.50', 'eating_out'],
  ['COFFEE REPUBLIC', '-3.10', 'eating_out'],
  ['CERVECERIA 100', '-9.00', 'eating_out'],
  // transport
  ['REPSOL ESTACION 1234', '-60.00', 'transport', '5541'],
  ['CEPSA ESTACION DE SERVICIO', '-55.30', 'transport'],
  ['GALP ENERGIA COMBUSTIBLE', '-48.00', 'transport'],
  ['SHELL M40', '-70.10', 'transport'],
  ['BP OIL ESPAÑA', '-52.00', 'transport'],
  ['GASOLINERA PLENOIL', '-45.00', 'transport'],
  ['METRO DE MADRID RECARGA', '-12.20', 'transport'],
  ['ABONO TRANSPORTE CRTM', '-54.60', 'transport'],
  ['EMT VALENCIA BONO', '-8.50', 'transport'],
  ['TMB BARCELONA T-CASUAL', '-11.35', 'transport'],
  ['RENFE CERCANIAS', '-4.10', 'transport'],
  ['CABIFY TRIP', '-14.30', 'transport'],
  ['UBER TRIP HELP.UBER.COM', '-11.20', 'transport'],
  ['BOLT.EU', '-7.90', 'transport'],
  ['FREENOW TAXI', '-16.40', 'transport'],
  ['RADIO TAXI MADRID', '-18.00', 'transport'],
  ['PARKING PLAZA MAYOR', '-9.60', 'transport'],
  ['EMPARK APARCAMIENTOS', '-14.00', 'transport'],
  ['AUTOPISTA AP-7 PEAJE', '-6.45', 'transport'],
  ['TRANSPORT FOR LONDON', '-6.80', 'transport'],
  ['ORA ZONA AZUL', '-2.10', 'transport'],
  // shopping
  ['AMAZON EU SARL', '-34.99', 'shopping', '5942'],
  ['AMZN MKTP ES', '-12.49', 'shopping'],
  ['ALIEXPRESS.COM', '-8.30', 'shopping'],
  ['ZALANDO SE', '-59.90', 'shopping'],
  ['SHEIN.COM', '-27.40', 'shopping'],
  ['ZARA ESPAÑA SA', '-45.90', 'shopping', '5651'],
  ['PRIMARK PRINCIPE PIO', '-23.00', 'shopping'],
  ['MANGO ONLINE', '-39.99', 'shopping'],
  ['H&M HENNES', '-19.99', 'shopping'],
  ['PULL&BEAR', '-25.95', 'shopping'],
  ['BERSHKA', '-22.95', 'shopping'],
  ['UNIQLO LONDON', '-29.90', 'shopping'],
  ['EL CORTE INGLES CASTELLANA', '-120.00', 'shopping', '5311'],
  ['MEDIA MARKT ALCALA', '-249.00', 'shopping', '5732'],
  ['FNAC CALLAO', '-19.90', 'shopping'],
  ['PCCOMPONENTES', '-89.90', 'shopping'],
  ['WORTEN ESPAÑA', '-59.00', 'shopping'],
  ['IKEA SAN SEBASTIAN DE LOS REYES', '-189.00', 'shopping'],
  ['LEROY MERLIN', '-45.30', 'shopping'],
  ['ZAPATERIA MARTINEZ', '-55.00', 'shopping'],
  ['FERRETERIA EL CLAVO', '-7.80', 'shopping'],
  ['TIENDA DE MUEBLES DECOHOGAR', '-350.00', 'shopping'],
  ['BOUTIQUE MODA ELENA', '-65.00', 'shopping'],
  // health
  ['FARMACIA LDA. GARCIA', '-12.40', 'health', '5912'],
  ['PARAFARMACIA EL CARMEN', '-18.90', 'health'],
  ['CLINICA DENTAL SONRISA', '-60.00', 'health'],
  ['HOSPITAL QUIRONSALUD', '-90.00', 'health'],
  ['FISIOTERAPIA ACTIVA', '-40.00', 'health'],
  ['OPTICA GENERAL', '-129.00', 'health'],
  ['BOOTS THE CHEMIST', '-9.99', 'health'],
  ['DOCTOR APPOINTMENT FEE', '-55.00', 'health'],
  ['MEDICO PRIVADO DR. RUIZ', '-70.00', 'health'],
  // leisure
  ['NETFLIX.COM', '-13.99', 'leisure', '4899'],
  ['SPOTIFY P1234ABC', '-10.99', 'leisure'],
  ['HBO MAX', '-8.99', 'leisure'],
  ['DISNEY PLUS', '-8.99', 'leisure'],
  ['APPLE.COM/BILL', '-2.99', 'leisure'],
  ['YOUTUBE PREMIUM', '-11.99', 'leisure'],
  ['CINES YELMO IDEAL', '-9.50', 'leisure', '7832'],
  ['CINESA PROYECCIONES', '-8.90', 'leisure'],
  ['TICKETMASTER ESPAÑA', '-65.00', 'leisure'],
  ['TEATRO REAL ENTRADAS', '-85.00', 'leisure'],
  ['MUSEO DEL PRADO', '-15.00', 'leisure'],
  ['DECATHLON ALCOBENDAS', '-34.99', 'leisure', '5941'],
  ['BASIC FIT CUOTA', '-24.99', 'leisure'],
  ['GIMNASIO ALTAFIT', '-29.90', 'leisure'],
  ['PADEL CLUB LAS ROZAS', '-12.00', 'leisure'],
  ['STEAM PURCHASE', '-19.99', 'leisure'],
  ['PLAYSTATION NETWORK', '-9.99', 'leisure'],
  ['CASA DEL LIBRO', '-22.90', 'leisure'],
  ['LIBRERIA CENTRAL', '-18.00', 'leisure'],
  ['ODEON CINEMA TICKETS', '-12.50', 'leisure'],
  // travel
  ['IBERIA LAE SA', '-189.00', 'travel', '4511'],
  ['VUELING AIRLINES', '-79.98', 'travel'],
  ['RYANAIR', '-45.99', 'travel'],
  ['EASYJET', '-62.00', 'travel'],
  ['AIR EUROPA LINEAS AEREAS', '-210.00', 'travel'],
  ['BOOKING.COM HOTEL', '-240.00', 'travel', '4722'],
  ['AIRBNB * HMXYZ', '-310.00', 'travel'],
  ['HOTEL NH COLLECTION', '-140.00', 'travel'],
  ['HOSTAL LA PLAZA', '-55.00', 'travel'],
  ['EUROPCAR MADRID AEROPUERTO', '-120.00', 'travel'],
  ['HERTZ RENT A CAR', '-98.00', 'travel'],
  ['SIXT ALQUILER', '-75.00', 'travel'],
  ['BRITISH AIRWAYS', '-320.00', 'travel'],
  // financial
  ['COMISION MANTENIMIENTO CUENTA', '-6.00', 'financial', undefined, '17'],
  ['COMISION TRANSFERENCIA', '-2.50', 'financial'],
  ['ACCOUNT MAINTENANCE FEE', '-5.00', 'financial'],
  ['CUOTA ANUAL TARJETA COMISION', '-30.00', 'financial'],
  ['RECIBO PRESTAMO PERSONAL 0077', '-290.35', 'financial', undefined, '05'],
  ['AMORTIZACION PRESTAMO COCHE', '-310.00', 'financial'],
  ['LOAN REPAYMENT ZOPA', '-220.00', 'financial'],
  ['MAPFRE SEGUROS RECIBO', '-45.30', 'financial'],
  ['MUTUA MADRILEÑA SEGURO COCHE', '-38.70', 'financial'],
  ['SANITAS SEGURO MEDICO', '-56.00', 'financial'],
  ['SEGURO HOGAR LINEA DIRECTA', '-22.10', 'financial'],
  ['CAR INSURANCE ADMIRAL', '-40.00', 'financial'],
  ['LIQUIDACION TARJETA CREDITO 4324', '-512.30', 'financial'],
  ['CREDIT CARD PAYMENT THANK YOU', '-900.00', 'financial'],
  ['INDEXA CAPITAL APORTACION', '-300.00', 'financial'],
  ['MYINVESTOR FONDO INDEXADO', '-150.00', 'financial'],
  ['TRADE REPUBLIC BANK', '-100.00', 'financial'],
  ['COMPRA VALORES BOLSA ACCIONES SAN', '-1500.00', 'financial', undefined, '09'],
  ['CUSTODIA VALORES', '-12.00', 'financial'],
  // cash
  ['REINTEGRO CAJERO AUTOMATICO', '-50.00', 'cash', undefined, '11'],
  ['RETIRADA EFECTIVO CAJERO BBVA', '-100.00', 'cash'],
  ['ATM WITHDRAWAL HSBC', '-60.00', 'cash'],
  ['CASH WITHDRAWAL LINK ATM', '-40.00', 'cash'],
  ['INGRESO EN EFECTIVO OFICINA', '500.00', 'cash', undefined, '02'],
  ['CASH DEPOSIT BRANCH', '300.00', 'cash'],
  ['INGRESO CAJERO', '200.00', 'cash'],
  // transfers
  ['BIZUM A PABLO MORENO CENA', '-15.00', 'transfers'],
  ['BIZUM DE LUCIA GOMEZ', '12.50', 'transfers'],
  ['TRANSFERENCIA A JORGE DIAZ GOMEZ', '-200.00', 'transfers', undefined, '04'],
  ['TRANSFER TO ANNA BROWN', '-75.00', 'transfers'],
  ['TRASPASO A CUENTA AHORRO', '-500.00', 'transfers'],
  ['TRASPASO ENTRE CUENTAS PROPIAS', '1000.00', 'transfers'],
  ['TRANSFER TO SAVINGS POT', '-250.00', 'transfers'],
  ['TRANSF. SEPA A COLEGIO PROFESIONAL', '-90.00', 'transfers'],
  // taxes
  ['AEAT IMPUESTO RENTA 2025', '-340.00', 'taxes'],
  ['AGENCIA TRIBUTARIA MODELO 303', '-812.00', 'taxes'],
  ['RECIBO IBI AYUNTAMIENTO', '-420.00', 'taxes'],
  ['IMPUESTO CIRCULACION IVTM', '-95.00', 'taxes'],
  ['TGSS CUOTA AUTONOMOS', '-294.00', 'taxes'],
  ['SEGURIDAD SOCIAL REGIMEN ESPECIAL', '-230.00', 'taxes'],
  ['MULTA DGT EXPEDIENTE 123', '-100.00', 'taxes'],
  ['TASA BASURAS AYUNTAMIENTO', '-60.00', 'taxes'],
  ['HMRC SELF ASSESSMENT TAX', '-1200.00', 'taxes'],
  // education
  ['COLEGIO SAN JOSE CUOTA', '-250.00', 'education'],
  ['MATRICULA UNIVERSIDAD COMPLUTENSE', '-1100.00', 'education'],
  ['ACADEMIA DE INGLES CAMBRIDGE', '-85.00', 'education'],
  ['AUTOESCUELA CENTRAL', '-300.00', 'education'],
  ['UDEMY ONLINE COURSE', '-12.99', 'education'],
  ['COURSERA SUBSCRIPTION', '-39.00', 'education'],
  ['GUARDERIA LOS PEQUES', '-320.00', 'education'],
  ['UNIVERSITY TUITION FEES', '-4500.00', 'education'],
  // other
  ['RECIBO VARIOS REF 99231', '-15.00', 'other'],
  ['CARGO CONCEPTO 8812', '-3.00', 'other'],
  ['PAGO A AMIGO', '-20.00', 'other'],
  ['ONG CRUZ ROJA DONATIVO', '-10.00', 'other'],
  ['LOTERIAS Y APUESTAS DEL ESTADO', '-5.00', 'other'],
];

test('the taxonomy has about 15 top-level categories, each with Spanish and English labels', () => {
  const categories = Object.entries(taxonomy);
  assert.ok(categories.length >= 15 && categories.length <= 17);
  for (const [, category] of categories) {
    assert.ok(category.en && category.es);
    for (const [en, es] of Object.values(category.sub)) assert.ok(en && es);
  }
});

test(`categorisation accuracy on ${cases.length} realistic descriptions is at least 90 %`, () => {
  assert.ok(cases.length >= 200);
  const misses: string[] = [];
  for (const [description, amount, expected, mcc, norma43] of cases) {
    const result = categorize({
      description,
      amount,
      mcc: mcc ?? null,
      norma43: norma43 ?? null,
      counterparty: null,
    });
    assert.ok(
      result.subcategory in taxonomy[result.category].sub,
      `${result.category}/${result.subcategory} is in the taxonomy`,
    );
    if (result.category !== expected)
      misses.push(
        `${description} (${amount}): ${result.category}/${result.subcategory}, expected ${expected}`,
      );
  }
  const accuracy = 1 - misses.length / cases.length;
  process.stdout.write(
    `# categorisation accuracy ${(accuracy * 100).toFixed(1)} % (${cases.length - misses.length}/${cases.length})\n${misses.map((m) => `#   miss: ${m}`).join('\n')}\n`,
  );
  assert.ok(accuracy >= 0.9, misses.join('\n'));
});

test('merchants are recognised by name; a merchant refund is income', () => {
  assert.deepEqual(
    categorize({ description: 'COMPRA TARJ. 4548 MERCADONA', amount: '-10.00' }).merchant_name,
    'Mercadona',
  );
  assert.equal(categorize({ description: 'UBER EATS', amount: '-10.00' }).category, 'eating_out');
  assert.equal(categorize({ description: 'UBER TRIP', amount: '-10.00' }).category, 'transport');
  assert.deepEqual(
    [
      categorize({ description: 'AMAZON EU SARL', amount: '15.00' }).category,
      categorize({ description: 'AMAZON EU SARL', amount: '15.00' }).subcategory,
    ],
    ['income', 'refund'],
  );
});
