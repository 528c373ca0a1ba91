-- CreateTable
CREATE TABLE "registered_vehicles" (
    "id" UUID NOT NULL,
    "region" TEXT NOT NULL,
    "plate" TEXT NOT NULL,
    "make" TEXT,
    "model" TEXT,
    "colour" TEXT,
    "year" INTEGER,
    "fuel_type" TEXT,
    "notes" TEXT,
    "imported_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "registered_vehicles_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "vehicle_cache" (
    "source" TEXT NOT NULL,
    "region" TEXT NOT NULL,
    "plate" TEXT NOT NULL,
    "found" BOOLEAN NOT NULL,
    "data" JSONB,
    "fetched_at" TIMESTAMPTZ(3) NOT NULL,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "vehicle_cache_pkey" PRIMARY KEY ("source","region","plate")
);

-- CreateIndex
CREATE UNIQUE INDEX "registered_vehicles_region_plate_key" ON "registered_vehicles"("region", "plate");

-- CreateIndex
CREATE INDEX "vehicle_cache_expires_at_idx" ON "vehicle_cache"("expires_at");
