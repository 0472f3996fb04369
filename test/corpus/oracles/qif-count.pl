# Finance::QIF's reading of QIF files (Debian's libfinance-qif-perl), as JSON on stdout: for each
# file, its transactions (records of bank, cash, card, other and investment sections).
# Run by test/corpus/differential.test.ts.
use strict;
use warnings;
use Finance::QIF;
use JSON::PP;

my %out;
for my $path (@ARGV) {
  my $count = 0;
  my $ok = eval {
    my $qif = Finance::QIF->new(file => $path, autodetect => 1);
    while (my $record = $qif->next) {
      my $header = $record->{header} // '';
      $count++ if $header =~ /^Type:(Bank|Cash|CCard|Oth A|Oth L|Invst)/i;
    }
    1;
  };
  $out{$path} = $ok ? { transactions => $count } : { error => substr("$@", 0, 200) };
}
print JSON::PP->new->canonical->encode(\%out);
