import { estimateVehicleColour } from './estimate-vehicle-colour';
import { labToLch, rgbToLab } from './lab';
import { nameColour } from './name-colour';
import { addObservedColours } from './observe-colours';

const named = (r: number, g: number, b: number) => nameColour(labToLch(rgbToLab(r, g, b)));

test('palette names of typical paints', () => {
  expect(named(15, 15, 17)).toBe('black');
  expect(named(245, 245, 245)).toBe('white');
  expect(named(165, 168, 172)).toBe('silver');
  expect(named(90, 92, 95)).toBe('grey');
  expect(named(180, 20, 25)).toBe('red');
  expect(named(20, 50, 140)).toBe('blue');
  expect(named(20, 110, 40)).toBe('green');
  expect(named(240, 200, 20)).toBe('yellow');
  expect(named(240, 120, 20)).toBe('orange');
  expect(named(100, 65, 40)).toBe('brown');
  expect(named(215, 200, 165)).toBe('beige');
});

function scene(body: [number, number, number]) {
  // a 400x300 photo: dark road below, a car body in the middle, a white plate on it
  const width = 400, height = 300, data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const c = y > 220 ? [40, 40, 40] : x > 150 && x < 250 && y > 150 && y < 172 ? [240, 240, 235] : body;
      data.set(c, (y * width + x) * 3);
    }
  return { data, width, height, channels: 3 };
}

test('the colour estimate reads the body around the plate, not the plate', () => {
  const box = { x: 150, y: 150, width: 100, height: 22 };
  expect(estimateVehicleColour(scene([170, 20, 25]), box)).toEqual({ name: 'red', confidence: expect.any(Number) });
  expect(estimateVehicleColour(scene([170, 20, 25]), box)!.confidence).toBeGreaterThan(0.8);
  expect(estimateVehicleColour(scene([20, 40, 130]), box)!.name).toBe('blue');
  // a plate filling the frame leaves no car to look at
  expect(estimateVehicleColour(scene([170, 20, 25]), { x: 0, y: 0, width: 400, height: 300 })).toBeNull();
});

test('observed colours come from pixels already decoded, scaled to the boxes, without decoding bytes', async () => {
  const plate = { plate: 'AB12CDE', confidence: 0.9, region: 'gb', bounding_box: { x: 300, y: 300, width: 200, height: 44 } };
  // boxes in a photo twice the size of the pixels (a photo decoded capped); no bytes to decode at all
  const [seen] = await addObservedColours({ image: scene([20, 40, 130]), scale: 0.5 }, [plate]);
  expect(seen).toEqual({ ...plate, observed_colour: { name: 'blue', confidence: expect.any(Number) } });
});
