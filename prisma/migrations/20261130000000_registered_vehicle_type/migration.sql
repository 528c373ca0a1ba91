-- AlterTable: the operator registry's optional `type` column (issue 4); null for rows imported before
ALTER TABLE "registered_vehicles" ADD COLUMN "type" TEXT;
