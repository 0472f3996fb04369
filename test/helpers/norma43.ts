// Writes small Norma 43 files for tests: the record layouts of AEB Cuaderno 43, 80 characters each.

export interface Movement {
  date: string; // yyyy-mm-dd
  amount: number; // signed, euros
  concept: string; // 2-digit common concept
  text: string;
}

const yymmdd = (iso: string) => iso.slice(2).replaceAll('-', '');
const money = (value: number) => String(Math.round(Math.abs(value) * 100)).padStart(14, '0');
const sign = (value: number) => (value < 0 ? '1' : '2');

export function norma43File(options: {
  account?: string; // bank(4) + branch(4) + account(10)
  from: string;
  to: string;
  opening: number;
  movements: Movement[];
  name?: string;
}): string {
  const account = options.account ?? '20590060' + '8000314221';
  const lines: string[] = [];
  lines.push(
    `11${account}${yymmdd(options.from)}${yymmdd(options.to)}${sign(options.opening)}${money(options.opening)}9783${(options.name ?? 'TESORO TEST').padEnd(26)}   `,
  );
  let debits = 0;
  let credits = 0;
  for (const m of options.movements) {
    if (m.amount < 0) debits += -m.amount;
    else credits += m.amount;
    lines.push(
      `22    0001${yymmdd(m.date)}${yymmdd(m.date)}${m.concept}000${sign(m.amount)}${money(m.amount)}0000000000${''.padEnd(28)}`,
    );
    lines.push(`2301${m.text.padEnd(38).slice(0, 38)}${''.padEnd(38)}`);
  }
  const closing = options.opening + credits - debits;
  const count = (n: number) => String(n).padStart(5, '0');
  lines.push(
    `33${account}${count(options.movements.filter((m) => m.amount < 0).length)}${money(debits)}${count(options.movements.filter((m) => m.amount >= 0).length)}${money(credits)}${sign(closing)}${money(closing)}978    `,
  );
  lines.push(`88${'9'.repeat(18)}${String(lines.length + 1).padStart(6, '0')}${''.padEnd(54)}`);
  return `${lines.join('\r\n')}\r\n`;
}
