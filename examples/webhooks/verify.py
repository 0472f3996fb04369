# A webhook receiver that checks Tesoro's signature with the Standard Webhooks library
# (pip install standardwebhooks flask). WEBHOOK_SECRET=whsec_… flask --app verify run --port 3000
import os

from flask import Flask, request
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

app = Flask(__name__)
webhook = Webhook(os.environ["WEBHOOK_SECRET"])


@app.post("/hooks")
def hooks():
    try:
        # The signature covers the raw body, its id and its timestamp (5 minutes of tolerance).
        event = webhook.verify(request.get_data(as_text=True), dict(request.headers))
    except WebhookVerificationError:
        return "bad signature", 400
    print(event["type"], event["data"])
    return "", 204
