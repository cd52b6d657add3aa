import { ClientError } from "../../core/errors.ts";
import type { Db } from "../../models/db.ts";
import {
  activeImportCount,
  deleteDataset,
  findDataset,
  updateDataset,
  type DatasetPatch,
  type DatasetView,
} from "./datasets.ts";

/** What a dataset change tells the rest of the platform, bound to the caller's context by the service. */
export interface DatasetAnnouncer {
  /** Every index node rebuilds its keyword index of the dataset in its new language. */
  keywordLanguageChanged(event: { orgId: string; datasetId: string }): Promise<void>;
  /** The index drops the dataset's files; the audit log records who deleted what. */
  deleted(event: { orgId: string; datasetId: string; name: string }): Promise<void>;
}

/** Renames, describes or sets the keyword-search language of a dataset. */
export async function changeDataset(
  db: Db,
  announce: DatasetAnnouncer,
  orgId: string,
  datasetId: string,
  patch: DatasetPatch,
): Promise<DatasetView> {
  const before = patch.keywordLanguage === undefined ? undefined : await findDataset(db, orgId, datasetId);
  const dataset = await updateDataset(db, orgId, datasetId, patch);
  if (before && before.keywordLanguage !== dataset.keywordLanguage)
    await announce.keywordLanguageChanged({ orgId, datasetId });
  return dataset;
}

/** Deletes a dataset and everything in it; refused while an import of it is queued or running. */
export async function removeDataset(db: Db, announce: DatasetAnnouncer, orgId: string, datasetId: string) {
  await findDataset(db, orgId, datasetId);
  // A running job would fail on its next batch and its rollback would race the cascade.
  if (await activeImportCount(db, datasetId))
    throw new ClientError(
      "CONFLICT",
      "An import of this dataset is queued or running; delete it when the import has ended",
    );
  const row = await deleteDataset(db, orgId, datasetId);
  await announce.deleted({ orgId, datasetId, name: row.name });
  return { id: datasetId, deleted: true as const };
}
