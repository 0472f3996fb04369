# The ofxparse library's reading of OFX files (Debian's python3-ofxparse), as JSON on stdout: for
# each file, its transactions (bank movements and investment trades) and the sum of the bank
# movements' amounts, or the error it raised. Run by test/corpus/differential.test.ts.
import json
import sys
import warnings
from decimal import Decimal

warnings.filterwarnings("ignore")
import ofxparse  # noqa: E402

out = {}
for path in sys.argv[1:]:
    try:
        with open(path, "rb") as handle:
            ofx = ofxparse.OfxParser.parse(handle)
        count = 0
        total = Decimal(0)
        for account in ofx.accounts:
            statement = getattr(account, "statement", None)
            for t in getattr(statement, "transactions", []) or []:
                count += 1
                amount = getattr(t, "amount", None)
                if amount is not None and not hasattr(t, "security"):
                    total += Decimal(amount)
        out[path] = {"transactions": count, "sum": str(total.normalize()) if total else "0"}
    except Exception as error:  # an oracle that refuses a file says so; the test decides
        out[path] = {"error": f"{type(error).__name__}: {error}"[:200]}
print(json.dumps(out))
