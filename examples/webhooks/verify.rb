# A webhook receiver that checks Tesoro's signature with the Standard Webhooks library
# (gem install standardwebhooks sinatra). WEBHOOK_SECRET=whsec_… ruby verify.rb
require "json"
require "sinatra"
require "standardwebhooks"

set :port, 3000
webhook = StandardWebhooks::Webhook.new(ENV.fetch("WEBHOOK_SECRET"))

post "/hooks" do
  payload = request.body.read
  headers = {
    "webhook-id" => request.env["HTTP_WEBHOOK_ID"],
    "webhook-timestamp" => request.env["HTTP_WEBHOOK_TIMESTAMP"],
    "webhook-signature" => request.env["HTTP_WEBHOOK_SIGNATURE"],
  }
  begin
    # The signature covers the raw body, its id and its timestamp (5 minutes of tolerance).
    event = webhook.verify(payload, headers)
  rescue StandardWebhooks::WebhookVerificationError
    halt 400, "bad signature"
  end
  puts "#{event["type"]} #{event["data"].to_json}"
  status 204
end
