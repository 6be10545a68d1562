"""Write the data for the `hybrid-search` problem.

Writes
  starter/documents.json   30 help-centre articles for a fictional mesh Wi-Fi router, {"id", "text"};
                           two are copies of others that differ only in case, punctuation and spacing
                           (the duplicates a hybrid search must not return twice)
  starter/queries.json     16 labelled questions {"query", "relevant": [doc ids], "split": "tune" | "test"}:
                           some are keyword look-ups (error codes, product names) that BM25 finds,
                           some are paraphrases that only the dense model finds

The texts are written here by hand, so every run writes the same files.

    python make_data.py
"""

from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent

DOCUMENTS = [
    ("reset-factory", "To restore factory settings, hold the reset button on the back of the Orbit router for 10 "
     "seconds until the light blinks white. All settings and passwords are erased."),
    ("reset-reboot", "A reboot keeps your settings. Unplug the router, wait 30 seconds and plug it back in, or "
     "choose Restart in the Orbit app."),
    ("error-e17", "Error E17 means the router cannot reach your internet provider. Check that the WAN cable is in "
     "the yellow port and restart the modem."),
    ("error-e42", "Error E42 means a firmware update failed to install. The router rolls back to the previous "
     "version automatically; try the update again later."),
    ("error-e08", "Error E08 appears when a satellite unit is too far from the main router. Move the satellite "
     "closer, no more than two rooms away."),
    ("firmware", "Firmware updates install automatically at night between 2 and 4 am. You can also update "
     "manually from Settings > System > Update."),
    ("guest-network", "Create a guest network for visitors under Settings > Wi-Fi > Guest. Guests get internet "
     "access but cannot see your own devices."),
    ("parental-controls", "Parental controls let you pause the internet for a child's devices, set bedtime "
     "schedules and block adult websites."),
    ("speed-test", "Run a speed test from the Home tab of the Orbit app. Results show download speed, upload "
     "speed and latency."),
    ("slow-wifi", "If your Wi-Fi feels slow, move the router off the floor and away from microwaves, and check "
     "how many devices are streaming video at once."),
    ("band-steering", "Band steering moves devices between the 2.4 GHz and 5 GHz bands automatically. Turn it "
     "off if an old printer cannot connect."),
    ("port-forwarding", "Port forwarding sends incoming traffic on a port to one device, for game consoles or a "
     "home server. Add a rule under Settings > Advanced > Ports."),
    ("vpn", "The router can run a WireGuard VPN server so you can reach your home network while travelling."),
    ("wifi-password", "To change the Wi-Fi password, open Settings > Wi-Fi > Password. Every device has to "
     "reconnect with the new password."),
    ("admin-login", "The web console is at 192.168.50.1. Log in with the admin password printed on the sticker "
     "under the router."),
    ("warranty", "Orbit routers have a two-year warranty that covers hardware faults. Keep your receipt; damage "
     "from drops or water is not covered."),
    ("returns", "You can return an Orbit router within 30 days of delivery for a full refund if it is in its "
     "original packaging."),
    ("shipping", "Orders ship within two business days. Delivery takes three to five days inside the EU; we do "
     "not ship outside Europe."),
    ("status-light", "The status light is white when everything works, blinking blue while starting up, amber "
     "when there is no internet and red for a hardware fault."),
    ("add-satellite", "To add a satellite to your mesh, plug it in within 10 metres of the main router and tap "
     "Add device in the Orbit app."),
    ("ipv6", "IPv6 is turned on by default. If your provider does not support it, disable IPv6 under Settings > "
     "Advanced > Network."),
    ("dns", "You can set custom DNS servers, for example 1.1.1.1, under Settings > Advanced > DNS. Leave it on "
     "Automatic to use the servers of your provider."),
    ("eco-mode", "Eco mode lowers the transmit power at night to save energy. Devices far from the router may "
     "drop their connection in eco mode."),
    ("privacy", "The router does not record the websites you visit. Anonymous usage statistics can be switched "
     "off in Settings > Privacy."),
    ("orbit-secure", "Orbit Secure is an optional subscription for 4 euros a month that adds malware blocking "
     "and alerts when a new device joins."),
    ("cancel-secure", "Cancel Orbit Secure at any time in the app under Account > Subscription; it stays active "
     "until the end of the billing month."),
    ("wired-backhaul", "Satellites can be linked to the main router with an Ethernet cable instead of Wi-Fi. A "
     "wired backhaul gives the fastest mesh."),
    ("smart-home", "Smart home devices that only support 2.4 GHz connect fine; if one fails to join, turn off "
     "band steering while you set it up."),
    # Duplicates: the same article pasted twice into the help centre, up to case, punctuation and spacing.
    ("faq-reset-copy", "to restore FACTORY settings: hold the reset button on the back of the Orbit router for "
     "10 seconds until the light blinks white... All settings and passwords are erased!"),
    ("kb-e17-copy", "Error  E17 means the router cannot reach your Internet provider -- check that the WAN "
     "cable is in the yellow port, and restart the modem."),
]

QUERIES = [
    ("error E42", ["error-e42"], "tune"),
    ("how do I wipe everything and start over", ["reset-factory"], "tune"),
    ("my internet is so sluggish in the evening", ["slow-wifi"], "tune"),
    ("guest wifi for visitors", ["guest-network"], "tune"),
    ("can I get my money back if I don't like it", ["returns"], "tune"),
    ("what does a red light mean", ["status-light"], "tune"),
    ("WireGuard", ["vpn"], "tune"),
    ("stop my kids using the internet at night", ["parental-controls"], "tune"),
    ("E08 satellite", ["error-e08"], "test"),
    ("restart without losing my configuration", ["reset-reboot"], "test"),
    ("how long is the guarantee", ["warranty"], "test"),
    ("open a port for my xbox", ["port-forwarding"], "test"),
    ("use 1.1.1.1 as DNS", ["dns"], "test"),
    ("do you deliver to the United States", ["shipping"], "test"),
    ("how do I stop paying for Orbit Secure", ["cancel-secure"], "test"),
    ("connect a satellite with a cable", ["wired-backhaul"], "test"),
]


def main() -> None:
    documents = [{"id": doc_id, "text": text} for doc_id, text in DOCUMENTS]
    queries = [{"query": q, "relevant": rel, "split": split} for q, rel, split in QUERIES]
    ids = {d["id"] for d in documents}
    assert len(ids) == len(documents) and all(set(q["relevant"]) <= ids for q in queries)
    (ROOT / "starter" / "documents.json").write_text(json.dumps(documents, indent=1) + "\n", encoding="utf-8")
    (ROOT / "starter" / "queries.json").write_text(json.dumps(queries, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {len(documents)} documents and {len(queries)} queries")


if __name__ == "__main__":
    main()
