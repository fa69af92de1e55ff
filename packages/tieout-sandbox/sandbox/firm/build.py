"""Assembling the sandbox firm: model, plants, time stream, billing, vendor records and the manifest."""

from __future__ import annotations

import logging
import random
import secrets
from collections import Counter
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from sandbox import ledger
from sandbox.emulators import hubspot_records as hubspot_store
from sandbox.emulators import xero_documents, xero_projects
from sandbox.emulators.lookups import index_lookups
from sandbox.emulators.xero_identity import SCOPES as XERO_SCOPES
from sandbox.store import SandboxStore

from .billing import Billing
from .clock import cutover_day
from .customers import build_customers, make_entities
from .cutover import Cutover, CutoverPlants
from .engagements import EngagementFactory, build_engagements, plan_invoices
from .ids import Ids
from .malformed import Malformed
from .manifest import Manifest
from .model import ERP_NAMES, Customer, Entity, Firm, Member, Project
from .people import build_people, build_tasks
from .picking import Picker, entity_of
from .plants import CustomerPlants
from .plants_billing import InvoicePlants
from .plants_engagements import EngagementPlants
from .render import (
    Association,
    Balances,
    billing_records,
    harvest_master,
    hubspot_records,
    quickbooks_master,
    salesforce_records,
    xero_records,
)
from .shapes_ledger import ledger_rows
from .sizes import size_for
from .timesheets import Row, Timesheets

log = logging.getLogger("tieout.sandbox")  # a benchmark-sized firm takes minutes: say where it is

CHUNK = 20_000  # records per store transaction while streaming time


class Writer:
    """Bulk writes that keep the manifest's record counts."""

    def __init__(self, store: SandboxStore, manifest: Manifest):
        self.store, self.manifest = store, manifest

    def put(self, key: tuple[str, str, str], rows: list[Row]) -> None:
        if rows:
            self.store.put_many(*key, rows)
            self.manifest.count(*key, len(rows))

    def put_all(self, groups: dict[tuple[str, str, str], list[Row]]) -> None:
        for key in sorted(groups):
            self.put(key, groups[key])

    def put_xero(self, groups: dict[tuple[str, str], list[dict]]) -> None:
        """Xero records (tenant, collection), stored as the Xero emulator serves them."""
        for tenant, collection in sorted(groups):
            records = groups[(tenant, collection)]
            if records:
                if collection in xero_projects.IDS:
                    xero_projects.put_project_records(self.store, tenant, collection, records)
                else:
                    xero_documents.put_records(self.store, tenant, collection, records)
                self.manifest.count(xero_documents.SYSTEM, tenant, collection, len(records))

    def put_ledger(self, directory: Path, rows: dict[str, list[dict]], as_of: date) -> None:
        """The ledger's rows, written to its database and exported as files, counted per legal entity
        (`ledger/<entity code>/<table>`; a line or application is its document's entity's). A firm with no
        entity on the ledger leaves none (and removes one an earlier build left)."""
        if not any(rows.values()):
            ledger.remove(directory)
            return
        ledger.write(directory, rows, as_of)
        invoice_entity = {row["invoice_id"]: row["entity_code"] for row in rows["ledger_invoices"]}
        for table in ledger.TABLES:
            per_entity = Counter(
                str(row["entity_code"] if "entity_code" in row else invoice_entity[row["invoice_id"]])
                for row in rows.get(table, [])
            )
            for code, n in sorted(per_entity.items()):
                self.manifest.count(ledger.SYSTEM, code, table, n)

    def put_hubspot(self, groups: dict[tuple[str, str], list[dict]], links: list[Association]) -> None:
        """HubSpot records (portal, object), stored as the HubSpot emulator serves them, then their
        associations (both directions on both records, as HubSpot keeps them)."""
        for portal, object_type in sorted(groups):
            records = groups[(portal, object_type)]
            if records:
                hubspot_store.put_records(self.store, portal, object_type, records)
                self.manifest.count(hubspot_store.SYSTEM, portal, object_type, len(records))
        portals = {portal for portal, _ in groups}
        assert len(portals) <= 1  # the entities on HubSpot share the firm's one portal
        for portal in portals:
            for from_type, from_id, to_type, to_id, kind in links:
                hubspot_store.associate(self.store, portal, from_type, from_id, to_type, to_id, kind)


def credentials(hubspot_portal: str | None = None) -> dict:
    """Each system's long-lived token (Harvest's personal access token; a fixed session or token the
    emulators also take) and its OAuth app: client id and secret, and the refresh token the sandbox
    starts connected with (`refresh_token`, which the token server rotates; `connected_with` keeps the
    first). It is new with each build, as a new connection's is, so that a token store kept from an
    earlier build is not taken for this one's. tieout's embedded default refreshes through the apps.
    A firm with a business unit on HubSpot also has HubSpot's: the portal and a private app's static token
    (which does not expire: no OAuth app)."""

    def app(system: str) -> dict:
        refresh_token = f"sandbox-{system}-refresh-{secrets.token_hex(12)}"
        return {
            "access_token": f"sandbox-{system}-token",
            "client_id": f"sandbox-{system}-client",
            "client_secret": f"sandbox-{system}-secret",
            "refresh_token": refresh_token,
            "connected_with": refresh_token,
        }

    systems = {
        "salesforce": app("salesforce"),
        "harvest": {"account_id": "1000001", **app("harvest")},
        "quickbooks": app("quickbooks"),
        "xero": {**app("xero"), "scope": XERO_SCOPES},
    }
    if hubspot_portal is not None:
        systems["hubspot"] = {"portal_id": hubspot_portal, "access_token": f"pat-eu1-sandbox-{hubspot_portal}"}
    return systems


def fresh_store(path: Path) -> SandboxStore:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return SandboxStore(path)


def legal_entity(e: Entity, crms: bool = False) -> dict:
    """The store's `legal_entities` row: which ERP the entity is on, and its company there (a QuickBooks
    realm, or a Xero tenant with no realm); in a firm with a business unit on HubSpot (`crms`), also the
    CRM its customers live in (salesforce or hubspot) and, for HubSpot, the portal. An entity that moved
    from QuickBooks to Xero keeps its realm, and says `former_erp` and `cutover_date`."""
    realm = e.realm_id if e.in_quickbooks else None
    row = {"code": e.code, "realm_id": realm, "currency": e.currency, "name": e.name}
    row = {**row, "erp": e.erp, **({"xero_tenant_id": e.xero_tenant_id} if e.on_xero else {})}
    if e.former_erp is not None and e.cutover_date is not None:
        row = {**row, "former_erp": e.former_erp, "cutover_date": e.cutover_date.isoformat()}
    if crms:
        row = {**row, "crm": e.crm, **({"hubspot_portal_id": e.hubspot_portal_id} if e.hubspot_portal_id else {})}
    return row


def build(
    directory: Path,
    size_name: str,
    seed: int,
    as_of: date,
    clean: bool = False,
    erps: dict[str, str] | None = None,
    crms: dict[str, str] | None = None,
    cutovers: dict[str, str] | None = None,
) -> Manifest:
    size, rng, ids = size_for(size_name), random.Random(seed), Ids(seed)
    entities = make_entities(seed, erps, crms, cutovers, cutover_day(as_of) if cutovers else None)
    portal = next((e.hubspot_portal_id for e in entities if e.hubspot_portal_id), None)
    legal = [legal_entity(e, portal is not None) for e in entities]
    mixed = any(e.erp != "quickbooks" for e in entities) or portal is not None
    # an all-QuickBooks firm's manifest names its entities as it always has
    listed = legal if mixed else [{k: row[k] for k in ("code", "realm_id", "currency", "name")} for row in legal]
    manifest = Manifest(size_name, seed, as_of.isoformat(), listed, clean=clean)
    manifest.cutovers = [
        {
            "legal_entity": e.code,
            "former_erp": e.former_erp,
            "erp": e.erp,
            "cutover_date": e.cutover_date.isoformat(),
        }
        for e in entities
        if e.former_erp is not None and e.cutover_date is not None
    ]
    store = fresh_store(directory / "state.db")
    for key, value in (
        ("credentials", credentials(portal)),
        ("legal_entities", legal),
        ("as_of", as_of.isoformat()),
        ("seed", seed),
        ("size", size_name),
    ):
        store.set_meta(key, value)
    writer = Writer(store, manifest)

    customers = build_customers(rng, size, entities, ids, as_of)
    people, tasks = build_people(rng, size.consultants, entities, ids, as_of), build_tasks(ids)
    factory = EngagementFactory(rng, ids, as_of, people, tasks)
    build_engagements(factory, customers)
    firm = Firm(as_of, entities, customers, people, tasks, factory.opportunities, factory.projects)
    internal = _internal_project(firm, ids)

    picker = Picker(random.Random(f"{seed}:plants"), (0, 0) if clean else size.plants, _ledger_first(entities))
    CustomerPlants(firm, picker, ids, manifest).plant_all()
    EngagementPlants(firm, picker, manifest, factory).plant_all()
    firm.projects.append(internal)
    plan_invoices(firm.projects, ids, as_of)
    log.info(
        "sandbox %s: %d customers, %d projects planned; logging their time",
        size_name,
        len(customers),
        len(firm.projects),
    )

    _stream_time(firm, Timesheets(seed, size.daily_log_chance, ids, as_of, manifest), writer, manifest)
    billing = Billing(firm, ids, seed)
    for invoice in firm.invoices:
        billing.post(invoice)
        billing.settle(invoice)
    for c in customers:
        if c.role == "direct" and c.qbo_id:
            billing.direct_invoices(c)
    InvoicePlants(firm, picker, manifest, billing).plant_all()
    _ledger_drafts(firm, billing, manifest)
    cutover = Cutover(firm, billing)
    cutover.migrate()
    if not clean:
        CutoverPlants(firm, picker, manifest, billing, cutover).plant_all()
    log.info(
        "sandbox %s: %d PSA invoices posted and settled; writing the master and billing records",
        size_name,
        len(firm.invoices),
    )
    manifest.edge_cases += [
        {
            "kind": "split_invoice",
            "psa_id": str(inv.harvest_id),
            "document_number": inv.number,
            "note": f"posted as {len(inv.postings)} {ERP_NAMES[inv.postings[0].erp]} invoices "
            "<number>-<k>: not a finding",
        }
        for inv in firm.invoices
        if len(inv.postings) > 1 and not inv.plants
    ]

    manifest.edge_cases += [
        {
            "kind": "group_shared_domain",
            "crm_id": c.crm_id,
            "note": f"{c.name} uses its group's domain {c.website} with its own tax id: not a "
            "duplicate of its siblings",
        }
        for c in customers
        if c.role == "billing" and c.parent and c.sf_id
    ]
    writer.put_all(harvest_master(firm))
    writer.put_all(billing_records(firm, next(p for p in people if p.is_admin)))
    # the customers' receivables in QuickBooks, and in their current ERP (the CRM's open AR): the same but
    # for an entity that moved, whose QuickBooks invoices keep the balances they had at the cutover
    balances = Balances(firm, lambda post: post.erp == post.entity.erp)
    qbo_rows = quickbooks_master(firm, Balances(firm, lambda post: post.erp == "quickbooks"))
    by_realm = {}
    for (_, tenant, obj), rows in qbo_rows.items():
        if obj == "Customer":
            by_realm[tenant] = {row[0]: row[1] for row in rows}
    malformed = Malformed(firm, ids, manifest, random.Random(f"{seed}:malformed"), size.malformed, internal)
    extra = malformed.plant_all(by_realm)
    writer.put_all(qbo_rows)
    writer.put_xero(xero_records(firm))
    writer.put_ledger(directory, ledger_rows(firm), as_of)
    open_ar = _open_ar(firm, balances, picker, manifest)
    writer.put_all(salesforce_records(firm, open_ar))
    writer.put_hubspot(*hubspot_records(firm, open_ar))
    writer.put_all(extra)
    index_lookups(writer.store)
    manifest.write(directory / "manifest.json")
    return manifest


def _ledger_drafts(firm: Firm, billing: Billing, manifest: Manifest) -> None:
    """In each entity on the ledger (planted or clean), one direct customer's next support invoice is a draft:
    the ledger keeps drafts that were never posted, which count nothing (no receivable, no finding)."""
    for e in firm.entities:
        if not e.on_ledger:
            continue
        direct = sorted(
            (c for c in firm.customers if c.entity is e and c.role == "direct" and c.qbo_id and not c.plants),
            key=lambda c: int(c.qbo_id or 0),
        )
        for c in direct:
            post = billing.draft_support(c)
            if post is None:
                continue
            manifest.edge_cases.append(
                {
                    "kind": "draft_invoice",
                    "erp_id": post.ref,
                    "document_number": post.doc_number,
                    "note": "a draft invoice in the ledger (status draft, never posted): counts nothing, not a finding",
                }
            )
            break


def _ledger_first(entities: list[Entity]) -> Callable[[object], bool] | None:
    """In a firm with a legal entity on the ledger, the picker's preference for subjects of such an entity."""
    if not any(e.on_ledger for e in entities):
        return None
    return lambda subject: isinstance(entity := entity_of(subject), Entity) and entity.on_ledger


def _internal_project(firm: Firm, ids: Ids) -> Project:
    """Bench and training time of everyone, on the firm's own non-billable Harvest client."""
    us = firm.entities[0]
    client = Customer(
        "Meridian Advisory (Internal)", "Meridian", "internal", us, None, "", "", firm.as_of - timedelta(days=1200)
    )
    client.harvest_id = ids.harvest("clients")
    start = firm.as_of - timedelta(days=540)
    project = Project(
        ids.harvest("projects"),
        client,
        None,
        "Internal - Training & Bench",
        False,
        Decimal("0"),
        "none",
        None,
        start,
        None,
        True,
        False,
        start - timedelta(days=2),
    )
    project.members = [
        Member(p, ids.harvest("user_assignments"), Decimal("0"), True) for p in firm.people if not p.is_admin
    ]
    project.tasks = [(t, ids.harvest("task_assignments")) for t in firm.tasks if not t.billable]
    project.last_work_day = firm.as_of
    return project


def _stream_time(firm: Firm, timesheets: Timesheets, writer: Writer, manifest: Manifest) -> None:
    """Time entries, expenses and the ERP's copies of the time (QuickBooks TimeActivities, Xero Projects'
    tasks and time) written project by project in bounded chunks."""
    buffers: dict[tuple[str, str, str], list[Row]] = {}
    projects = sorted(firm.projects, key=lambda p: p.harvest_id)
    tenth = max(1, len(projects) // 10)
    for done, project in enumerate(projects, start=1):
        if done % tenth == 0:
            log.info("time and expenses: %d of %d projects", done, len(projects))
        out = timesheets.run(project)
        entity = project.customer.entity
        realm, tenant = entity.realm_id, entity.xero_tenant_id or ""
        for key, rows in (
            (("harvest", "", "time_entries"), out.time_entries),
            (("harvest", "", "expenses"), out.expenses),
            (("quickbooks", realm, "TimeActivity"), out.time_activities),
            (("xero", tenant, "ProjectTasks"), out.xero_tasks),
            (("xero", tenant, "ProjectTime"), out.xero_time),
        ):
            buffer = buffers.setdefault(key, [])
            buffer.extend(rows)
            if len(buffer) >= CHUNK:
                writer.put(key, buffer)
                buffers[key] = []
        if out.psa_wip != out.erp_wip and project.customer.entity.keeps_time:
            c = project.customer
            manifest.finding(
                "WIP_VARIANCE",
                c.entity.code,
                psa_id=project.harvest_id,
                erp_id=c.entity.ref("Project", project.qbo_id or ""),
                currency=c.entity.currency,
                expected=out.psa_wip,
                actual=out.erp_wip,
                note=f"unbilled WIP of {project.name} differs between Harvest and {c.entity.erp_system}",
            )
    for key, rows in buffers.items():
        writer.put(key, rows)


def _open_ar(firm: Firm, balances: Balances, picker: Picker, manifest: Manifest) -> dict[int, Decimal]:
    """Open_AR__c (HubSpot's open_ar) per linked account (tieout's last writeback), with planted stale values."""
    linked = [c for c in firm.customers if c.sf_id and c.qbo_id and c.links_erp]
    open_ar = {id(c): balances.with_projects(c) for c in linked}
    # not in an entity that moved ERP: which system's receivable the CRM's figure was would be ambiguous
    for c in picker.pick(linked, where=lambda c: open_ar[id(c)] > 0 and c.entity.cutover_date is None):
        erp = open_ar[id(c)]
        open_ar[id(c)] = (erp * Decimal(picker.rng.choice(["0.5", "1.25", "0"]))).quantize(Decimal("0.01"))
        manifest.finding(
            "AR_BALANCE_MISMATCH",
            c.entity.code,
            crm_id=c.crm_id,
            erp_id=c.erp_ref,
            currency=c.entity.currency,
            expected=erp,
            actual=open_ar[id(c)],
            note=f"{c.crm_system} open AR of {c.name} differs from {c.entity.erp_system}",
        )
    return open_ar
